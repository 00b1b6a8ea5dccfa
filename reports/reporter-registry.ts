import { ReporterDuplicateError, ReporterUnknownError } from './errors.js'
import type { Reporter, ReporterOptions } from './reporter.js'
import { createConsoleReporter } from './console-reporter.js'
import { createJsonReporter } from './json-reporter.js'
import { createJunitReporter } from './junit-reporter.js'
import { createMarkdownReporter } from './markdown-reporter.js'
import { createHtmlReporter } from './html-reporter.js'
import { createComplianceReporter } from './compliance-reporter.js'

/** Builds one reporter of a format. */
export type ReporterFactory = (opts: ReporterOptions) => Reporter

/**
 * Report formats by name. Registering a name twice is refused, so a plug-in
 * cannot silently replace a built-in format.
 */
export class ReporterRegistry {
  readonly #factories = new Map<string, ReporterFactory>()

  register(name: string, factory: ReporterFactory): this {
    if (this.#factories.has(name)) throw new ReporterDuplicateError(name)
    this.#factories.set(name, factory)
    return this
  }

  has(name: string): boolean {
    return this.#factories.has(name)
  }

  names(): string[] {
    return [...this.#factories.keys()]
  }

  /** @throws ReporterUnknownError (HX_REPORTER_UNKNOWN) naming the known formats. */
  create(name: string, opts: ReporterOptions): Reporter {
    const factory = this.#factories.get(name)
    if (!factory) throw new ReporterUnknownError(name, this.names())
    return factory(opts)
  }
}

/** A registry holding the built-in formats: console, json, junit, markdown, html, compliance. */
export function createDefaultReporterRegistry(): ReporterRegistry {
  return new ReporterRegistry()
    .register('console', (o) => createConsoleReporter({ stream: o.stream, quiet: o.quiet }))
    .register('json', (o) => createJsonReporter({ outDir: o.outDir }))
    .register('junit', (o) => createJunitReporter({ outDir: o.outDir }))
    .register('markdown', (o) => createMarkdownReporter({ outDir: o.outDir }))
    .register('html', (o) => createHtmlReporter({ outDir: o.outDir }))
    .register('compliance', (o) => createComplianceReporter({ outDir: o.outDir }))
}

/** The built-in formats' names, in the order `--help` lists them. */
export const BUILTIN_REPORTERS = ['console', 'json', 'junit', 'markdown', 'html', 'compliance'] as const

/**
 * Reporters for `names` (e.g. from `--reporter json,html`). Every name is
 * checked before any reporter is built, so a typo fails before the run; a name
 * given twice yields one reporter.
 * @throws ReporterUnknownError (HX_REPORTER_UNKNOWN)
 */
export function createReporters(
  names: readonly string[],
  opts: ReporterOptions,
  registry: ReporterRegistry = createDefaultReporterRegistry(),
): Reporter[] {
  const unique = [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))]
  for (const name of unique) if (!registry.has(name)) throw new ReporterUnknownError(name, registry.names())
  return unique.map((name) => registry.create(name, opts))
}
