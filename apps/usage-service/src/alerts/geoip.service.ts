import { createRequire } from 'node:module';
import maxmind, { type Reader, type Response } from 'maxmind';

interface CountryRecord {
  country_code?: string;
}

/**
 * Country of a client IP from an .mmdb database, by default the bundled CC0
 * `@ip-location-db/geo-whois-asn-country-mmdb` (IPv4 and IPv6). Opened once per process; every
 * lookup is in memory. Private, loopback and unknown addresses have no country (null).
 */
export class GeoIpService {
  private constructor(private readonly reader: Reader<Response>) {}

  static defaultDatabasePath(): string {
    const require = createRequire(import.meta.url);
    return require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb');
  }

  static async open(path: string = GeoIpService.defaultDatabasePath()): Promise<GeoIpService> {
    const reader = await maxmind.open<Response>(path, { watchForUpdates: false, cache: { max: 50_000 } });
    return new GeoIpService(reader);
  }

  country(ip: string | null): string | null {
    if (!ip || !maxmind.validate(ip)) return null;
    const code = (this.reader.get(ip) as CountryRecord | null)?.country_code;
    return code && /^[A-Z]{2}$/.test(code) ? code : null;
  }
}
