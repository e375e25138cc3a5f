// Prisma migrate "referee": runs Prisma's own schema engine (the WebAssembly
// build published as @prisma/schema-engine-wasm) offline, through Prisma's
// driver adapters, so the Python test-suite can compare the collection's
// reimplementation of `prisma migrate resolve` / `migrate deploy` with what
// Prisma itself does on the same database.
//
// Usage: echo '<request json>' | node tests/referee/referee.mjs
//        node tests/referee/referee.mjs --serve   (one request per line, one response per line, until stdin ends)
//
// Request (one JSON object on stdin):
//   {
//     "provider": "postgresql" | "sqlite",
//     "url": "postgresql://user@host:5432/db?schema=public" | "file:/abs/path/dev.db",
//     "command": "applyMigrations" | "diagnoseMigrationHistory" |
//                "markMigrationRolledBack" | "markMigrationApplied" |
//                "listMigrationDirectories" | "diff",
//     "migrationsDir": "/abs/path/to/prisma/migrations",
//     "migrationName": "20201127134938_added_bio_index",  // mark* commands only
//     "sqliteTimestampFormat": "unixepoch-ms" | "iso8601"  // optional, SQLite only
//     "from": "<datamodel>" | null, "to": "<datamodel>"   // diff only (null: the empty schema)
//   }
//
// `diff` is `prisma migrate diff --from-schema A --to-schema B --script`: the migration.sql Prisma generates
// between two datamodels (no migrationsDir needed; PostgreSQL still needs a reachable database for the engine).
//
// The migrations folder is read exactly as the Prisma CLI reads it: every
// sub-directory is a migration (one without migration.sql is passed on as
// unreadable, and the engine answers P3015 when it needs it), sorted with
// localeCompare, plus migration_lock.toml when present.
//
// PostgreSQL: the `schema` URL parameter (default "public") holds
// `_prisma_migrations` and is the search_path for the migration scripts, as
// with Prisma's native connector. SQLite: DateTime columns are written as
// INTEGER unix milliseconds like Prisma's native connector, unless
// "sqliteTimestampFormat": "iso8601" asks for adapter-libsql's own default.
//
// Response (one JSON line on stdout, exit status 0):
//   {"ok": true, "result": <engine result>}
//   {"ok": false, "error": {"code": "P3009" | null, "message": "...", "meta": ...}}
//
// Exit status is non-zero only when the referee itself fails (bad request,
// engine panic, unexpected crash); the reason is then written to stderr.

import { readFile, readdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'

import * as wasmBindings from '@prisma/schema-engine-wasm/schema_engine_bg'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'

const require = createRequire(import.meta.url)

const COMMANDS = new Set([
  'applyMigrations',
  'diagnoseMigrationHistory',
  'markMigrationRolledBack',
  'markMigrationApplied',
  'listMigrationDirectories',
  'diff',
])
const PROVIDERS = new Set(['postgresql', 'sqlite'])
// Connection-string parameters understood by Prisma but not by node-postgres.
const PRISMA_ONLY_PG_PARAMS = [
  'schema',
  'connection_limit',
  'pool_timeout',
  'pgbouncer',
  'statement_cache_size',
  'socket_timeout',
  'sslidentity',
  'sslpassword',
  'sslaccept',
]

class RefereeCrash extends Error {}

// ---------------------------------------------------------------------------
// Engine loading (the package targets bundlers, so instantiate it by hand).
// ---------------------------------------------------------------------------

class PanicRegistry {
  message = ''
  get() {
    return this.message
  }
  set_message(message) {
    this.message = `RuntimeError: ${message}`
  }
}
globalThis.PRISMA_WASM_PANIC_REGISTRY = new PanicRegistry()

// The engine's WebAssembly, instantiated once per process (a serving referee answers many requests with it).
let engineLoaded
function loadEngine() {
  engineLoaded ??= instantiateEngine()
  return engineLoaded
}

async function instantiateEngine() {
  const bindingsPath = fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg'))
  const wasmPath = path.join(path.dirname(bindingsPath), 'schema_engine_bg.wasm')
  const bytes = await readFile(wasmPath)
  const { instance } = await WebAssembly.instantiate(bytes, {
    './schema_engine_bg.js': wasmBindings,
  })
  wasmBindings.__wbg_set_wasm(instance.exports)
  instance.exports.__wbindgen_start()
  return wasmBindings
}

// ---------------------------------------------------------------------------
// Migrations folder, read exactly like the Prisma CLI does (prisma@7.10.0,
// packages/migrate/src/utils/listMigrations.ts): every sub-directory is a
// migration (a missing/unreadable migration.sql is passed as an error
// result, which the engine reports), sorted with localeCompare, plus
// migration_lock.toml (content null when absent).
// ---------------------------------------------------------------------------

async function listMigrations(migrationsDir) {
  const lockfilePath = 'migration_lock.toml'
  const lockContent = await readFile(path.join(migrationsDir, lockfilePath), { encoding: 'utf-8' }).catch(
    () => null,
  )
  const lockfile = { path: lockfilePath, content: lockContent }
  let entries = []
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true })
  } catch (e) {
    if (e.code !== 'ENOENT') throw e
  }
  const migrationDirectories = []
  for (const entry of entries.filter((d) => d.isDirectory())) {
    const scriptName = 'migration.sql'
    const content = await readFile(path.join(migrationsDir, entry.name, scriptName), { encoding: 'utf-8' })
      .then((value) => ({ tag: 'ok', value }))
      .catch((e) => ({ tag: 'error', value: e.message }))
    migrationDirectories.push({ path: entry.name, migrationFile: { path: scriptName, content } })
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path))
  return { baseDir: migrationsDir, lockfile, migrationDirectories, shadowDbInitScript: '' }
}

// ---------------------------------------------------------------------------
// Driver adapters.
// ---------------------------------------------------------------------------

// Every adapter handed to the engine is remembered so that it can be disposed
// at the end even if the engine does not do it itself.
const openAdapters = []

function trackFactory(factory) {
  const track = (method) => {
    const original = factory[method].bind(factory)
    factory[method] = async (...args) => {
      const adapter = await original(...args)
      openAdapters.push(adapter)
      return adapter
    }
  }
  track('connect')
  track('connectToShadowDb')
  return factory
}

async function makeAdapterFactory({ provider, url, sqliteTimestampFormat }) {
  if (provider === 'postgresql') {
    const { PrismaPg } = await import('@prisma/adapter-pg')
    let parsed
    try {
      parsed = new URL(url)
    } catch {
      throw new RefereeCrash(`invalid PostgreSQL url: ${url}`)
    }
    const schema = parsed.searchParams.get('schema') || 'public'
    for (const p of PRISMA_ONLY_PG_PARAMS) parsed.searchParams.delete(p)
    const poolConfig = {
      connectionString: parsed.toString(),
      // Like Prisma's native connector: unqualified names in migration
      // scripts resolve to the `schema` given in the URL.
      options: `-c search_path="${schema.replaceAll('"', '""')}"`,
    }
    return trackFactory(new PrismaPg(poolConfig, { schema }))
  }
  if (provider === 'sqlite') {
    const { PrismaLibSql } = await import('@prisma/adapter-libsql')
    // Like Prisma, accept `file:` URLs; query parameters (e.g.
    // `?connection_limit=1`) are Prisma connection settings, not part of the path.
    const file = (url.startsWith('file:') ? url.slice('file:'.length) : url).split('?')[0]
    if (!path.isAbsolute(file)) {
      throw new RefereeCrash(`the SQLite url must be an absolute file: path, got ${url}`)
    }
    // Prisma's native SQLite connector (the `prisma` CLI's schema-engine
    // binary, via quaint/rusqlite) writes DateTime values as INTEGER unix
    // milliseconds; adapter-libsql defaults to ISO-8601 TEXT. Default to the
    // native storage so the referee leaves the same rows as `prisma migrate`.
    const timestampFormat = sqliteTimestampFormat ?? 'unixepoch-ms'
    if (!['unixepoch-ms', 'iso8601'].includes(timestampFormat)) {
      throw new RefereeCrash(`unsupported sqliteTimestampFormat: ${JSON.stringify(timestampFormat)}`)
    }
    return trackFactory(new PrismaLibSql({ url: `file:${file}` }, { timestampFormat }))
  }
  throw new RefereeCrash(`unsupported provider: ${provider}`)
}

// ---------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------

function tryParseJson(text) {
  if (typeof text !== 'string') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

// Engine errors are turned into {code, message, meta}; panics become crashes.
function normaliseEngineError(e) {
  const panic = globalThis.PRISMA_WASM_PANIC_REGISTRY.get()
  if (panic || (e && e.name === 'RuntimeError')) {
    throw new RefereeCrash(`schema engine panicked: ${panic || e.message}\n${e?.stack ?? ''}`)
  }
  let source = e
  if (typeof e === 'string') source = tryParseJson(e) ?? { message: e }
  else if (e instanceof Error) {
    const parsed = tryParseJson(e.message)
    if (parsed && typeof parsed === 'object') source = { ...parsed, _error: e }
  }
  const code = source?.error_code ?? source?.errorCode ?? source?.code ?? null
  const message = source?.message ?? String(e)
  const meta = source?.meta ?? null
  return { code: typeof code === 'string' ? code : null, message, meta }
}

// ---------------------------------------------------------------------------
// Main.
// ---------------------------------------------------------------------------

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf-8')
}

function validate(request) {
  if (!request || typeof request !== 'object' || Array.isArray(request)) {
    throw new RefereeCrash('the request must be a JSON object')
  }
  const { provider, url, command, migrationsDir, migrationName } = request
  if (!COMMANDS.has(command)) throw new RefereeCrash(`unknown command: ${JSON.stringify(command)}`)
  if (command === 'diff') {
    if (!PROVIDERS.has(provider)) throw new RefereeCrash(`unsupported provider: ${JSON.stringify(provider)}`)
    if (typeof request.to !== 'string') throw new RefereeCrash('diff needs `to` (a datamodel)')
    return
  }
  if (typeof migrationsDir !== 'string' || !path.isAbsolute(migrationsDir)) {
    throw new RefereeCrash('migrationsDir must be an absolute path')
  }
  if (command === 'listMigrationDirectories') return
  if (!PROVIDERS.has(provider)) throw new RefereeCrash(`unsupported provider: ${JSON.stringify(provider)}`)
  if (typeof url !== 'string' || url === '') throw new RefereeCrash('url must be a non-empty string')
  if (command.startsWith('mark') && (typeof migrationName !== 'string' || migrationName === '')) {
    throw new RefereeCrash(`${command} needs migrationName`)
  }
}

async function runCommand(engine, request, migrationsList) {
  const filters = { externalTables: [], externalEnums: [] }
  switch (request.command) {
    case 'applyMigrations':
      return engine.applyMigrations({ migrationsList, filters })
    case 'diagnoseMigrationHistory':
      return engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters })
    case 'markMigrationRolledBack':
      return engine.markMigrationRolledBack({ migrationName: request.migrationName })
    case 'markMigrationApplied':
      return engine.markMigrationApplied({ migrationsList, migrationName: request.migrationName })
    case 'diff': {
      const side = (datamodel, name) =>
        datamodel == null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: name, content: datamodel }] }
      return engine.diff({
        from: side(request.from, 'from.prisma'),
        to: side(request.to, 'to.prisma'),
        script: true,
        exitCode: null,
        filters,
      })
    }
    default:
      throw new RefereeCrash(`unknown command: ${request.command}`)
  }
}

async function answer(raw) {
  let request
  try {
    request = JSON.parse(raw)
  } catch (e) {
    throw new RefereeCrash(`the request is not valid JSON: ${e.message}`)
  }
  validate(request)
  const migrationsList = request.command === 'diff' ? null : await listMigrations(request.migrationsDir)
  if (request.command === 'listMigrationDirectories') {
    return { ok: true, result: { migrations: migrationsList.migrationDirectories.map((d) => d.path) } }
  }

  const { SchemaEngine } = await loadEngine()
  const factory = await makeAdapterFactory(request)
  const adapter = bindMigrationAwareSqlAdapterFactory(factory)
  const logs = []
  const datamodel = `datasource db {\n  provider = "${request.provider}"\n}\n`
  let engine
  try {
    try {
      engine = await SchemaEngine.new({ datamodels: [['schema.prisma', datamodel]] }, (log) => logs.push(log), adapter)
      const result = await runCommand(engine, request, migrationsList)
      return { ok: true, result: result ?? {} }
    } catch (e) {
      if (e instanceof RefereeCrash) throw e
      if (process.env.REFEREE_DEBUG) {
        process.stderr.write(`raw engine error: ${require('node:util').inspect(e, { depth: 6 })}\n`)
        if (e && typeof e === 'object') {
          const props = Object.fromEntries(Object.getOwnPropertyNames(e).filter((k) => k !== 'stack').map((k) => [k, e[k]]))
          process.stderr.write(`raw engine error props: ${JSON.stringify(props)} name=${e.name}\n`)
        }
        process.stderr.write(`engine logs: ${JSON.stringify(logs)}\n`)
      }
      return { ok: false, error: normaliseEngineError(e) }
    }
  } finally {
    try {
      engine?.free()
    } catch {
      // ignore
    }
    for (const a of openAdapters.splice(0)) {
      try {
        await a.dispose()
      } catch {
        // already disposed
      }
    }
  }
}

function writeAndExit(text, code) {
  process.stdout.write(text, () => process.exit(code))
}

function crashMessage(e) {
  return e instanceof RefereeCrash ? e.message : `referee crashed: ${e?.stack ?? e}`
}

// `--serve`: one request per line on stdin, one response per line on stdout, until stdin ends (the test suite keeps
// one referee per process instead of starting node for every call). A crash answers {"crash": reason} and ends the
// process: a panicked engine is never asked again.
async function serve() {
  process.stdin.setEncoding('utf8')
  let pending = ''
  for await (const chunk of process.stdin) {
    pending += chunk
    let end
    while ((end = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, end)
      pending = pending.slice(end + 1)
      if (!line.trim()) continue
      try {
        process.stdout.write(`${JSON.stringify(await answer(line))}\n`)
      } catch (e) {
        writeAndExit(`${JSON.stringify({ crash: crashMessage(e) })}\n`, e instanceof RefereeCrash ? 2 : 1)
        return
      }
    }
  }
}

if (process.argv.includes('--serve')) {
  serve()
} else {
  readStdin()
    .then(answer)
    .then(
      (response) => writeAndExit(`${JSON.stringify(response)}\n`, 0),
      (e) => process.stderr.write(`${crashMessage(e)}\n`, () => process.exit(e instanceof RefereeCrash ? 2 : 1)),
    )
}
