/** The process exit codes live with the error-code registry in spec/ (one declaration). */
export { EXIT, type ExitCode } from '../spec/index.js'
