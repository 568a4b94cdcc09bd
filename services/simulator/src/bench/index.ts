export { cityBenchCommand } from './command.js';
