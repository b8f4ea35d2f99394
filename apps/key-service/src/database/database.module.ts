import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Tables, TransactionRunner } from '@plexmcp/service-kit';
import { DataSource } from 'typeorm';

/** Closes the pool after the transport stopped, so in-flight handlers finish their queries. */
@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Provides the initialized, migrated DataSource, its tables and its transactions to every repository and service. */
@Global()
@Module({})
export class DatabaseModule {
  static forDataSource(dataSource: DataSource): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: TransactionRunner, useValue: new TransactionRunner(dataSource) },
        { provide: Tables, useValue: new Tables(dataSource) },
        DataSourceCloser,
      ],
      exports: [DataSource, TransactionRunner, Tables],
    };
  }
}
