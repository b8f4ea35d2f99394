export { type UpstreamMcp, startUpstreamMcp } from './upstream-mcp.js';
