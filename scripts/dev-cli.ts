/**
 * The CLI straight from the TypeScript sources (no build), for development:
 *   npx tsx scripts/dev-cli.ts run scenarios/retained
 */
import { main } from '../runners/index.js'

process.exitCode = await main(process.argv.slice(2))
