export { type System, type SystemOptions, startSystem } from './system.js';
