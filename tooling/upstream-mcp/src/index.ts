export { type UpstreamMcp, type UpstreamOptions, startUpstreamMcp } from './upstream-mcp.js';
