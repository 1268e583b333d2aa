/**
 * `npx n8n-nodes-journeys <command>`: the package's command line (dist/cli/main.js). One
 * command so far, `clone` (cli/clone.ts).
 */
import { N8nHttpError } from '../scripts/n8n/api.mjs';
import { CloneError, USAGE, cloneForClient, formatCloneResult, parseCloneArgs } from './clone';

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
	const [command, ...rest] = argv;
	if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
		console.log(USAGE);
		return command === undefined ? 2 : 0;
	}
	if (command !== 'clone') {
		console.error(`Unknown command "${command}".\n\n${USAGE}`);
		return 2;
	}
	try {
		const options = parseCloneArgs(rest, env);
		if (options === 'help') {
			console.log(USAGE);
			return 0;
		}
		const result = await cloneForClient(options);
		console.log(formatCloneResult(result));
		return result.workflows.some((w) => w.activationError) ? 1 : 0;
	} catch (error) {
		// what a person can fix, or an answer of n8n's the command did not expect: no stack trace
		if (!(error instanceof CloneError || error instanceof N8nHttpError)) throw error;
		console.error(`✖ ${error.message}`);
		return 1;
	}
}

// run as the bin, not when imported (tests)
if (typeof require !== 'undefined' && require.main === module) {
	main(process.argv.slice(2), process.env).then(
		(code) => process.exit(code),
		(error) => {
			console.error(error);
			process.exit(1);
		},
	);
}
