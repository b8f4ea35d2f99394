import { describe, expect, it } from '@jest/globals';
import { UpstreamUrlPolicy } from './upstream-url.policy.js';

const policy = (networks: string[]) => new UpstreamUrlPolicy({ MCP_UPSTREAM_ALLOWED_NETWORKS: networks });

describe('MCP upstream URL policy', () => {
  it('never allows link-local or metadata addresses, even when their network is allowed', async () => {
    const careless = policy(['169.254.0.0/16', 'fe80::/10', 'fd00::/8', '0.0.0.0/0']);
    for (const url of ['http://169.254.169.254/', 'http://[fe80::1]/', 'http://[fd00:ec2::254]/']) {
      await expect(careless.assertAllowed(url)).rejects.toMatchObject({
        code: 'validation_error',
        details: [{ field: 'upstream_url', message: expect.stringContaining('cannot allow') }],
      });
    }
    await expect(careless.assertAllowed('http://10.1.2.3/')).resolves.toBeUndefined();
  });

  it('allows an IPv4 network written IPv4-mapped', async () => {
    await expect(policy(['::ffff:10.0.0.0/104']).assertAllowed('http://10.9.9.9/')).resolves.toBeUndefined();
    await expect(policy(['::ffff:10.0.0.0/104']).assertAllowed('http://192.168.0.1/')).rejects.toMatchObject({
      code: 'validation_error',
    });
  });
});
