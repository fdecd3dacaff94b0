#!/usr/bin/env node
// Entry point of the tokenmint CLI (package.json "bin"): runs the program on the process's arguments and streams.
import { run } from './program.js'

process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin })
