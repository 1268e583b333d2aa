/**
 * Channel Send in a real n8n started by the harness, against servers in this process:
 *
 *   bench send.email: <n> msgs/s          1 000 items (one execution: webhook → Split Out → Channel Send,
 *                                         SMTP, transactional, memory store) to a local SMTP server
 *                                         (smtp-server), timed from the POST to the execution's answer
 *   bench send.n8n_email: <n> msgs/s      the same 1 000 items through n8n's own Send Email node
 *                                         (n8n-nodes-base.emailSend, same SMTP server, same n8n)
 *   bench send.vs_n8n_email: <x>          send.email / send.n8n_email (target ≥ 3)
 *   bench send.webhook: <n> msgs/s        10 000 items in one execution, signed webhooks to a local
 *                                         HTTP server
 *
 * Email rounds alternate (Channel Send, Send Email, …) after a warm-up of each; each figure is the
 * median of ROUNDS. Every round checks the server received exactly the items sent (both sides give
 * the same answer). JOURNEYS_BENCH_TARBALL=<tgz> reuses a packed package; else it builds and packs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SMTPServer } from 'smtp-server';

const EMAILS = 1_000;
const WEBHOOKS = 10_000;
const ROUNDS = 3;

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

const node = (name: string, type: string, typeVersion: number, position: [number, number], parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
	id: randomUUID(),
	name,
	type,
	typeVersion,
	position,
	parameters,
	...extra,
});

/**
 * webhook (answers when the last node finished) → Split Out (the posted items) → the sending
 * node. The items come in the request (no Code node: its task runner adds a cost of its own).
 */
function workflow(name: string, path: string, sender: Record<string, unknown>) {
	return {
		name,
		nodes: [
			node('Start', 'n8n-nodes-base.webhook', 2, [0, 0], { httpMethod: 'POST', path, responseMode: 'lastNode', responseData: 'noData', options: {} }, { webhookId: randomUUID() }),
			node('Items', 'n8n-nodes-base.splitOut', 1, [220, 0], { fieldToSplitOut: 'body.items', options: {} }),
			{ ...sender, position: [440, 0] },
		],
		connections: {
			Start: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: sender.name as string, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'none', saveDataErrorExecution: 'all' },
	};
}

function items(count: number) {
	const run = randomUUID();
	return Array.from({ length: count }, (_, i) => ({ contactId: `c${i}`, email: `c${i}@example.com`, key: `${run}-${i}` }));
}

async function main() {
	const harness = await import(pathToFileURL(path.join(process.cwd(), 'scripts/n8n/index.mjs')).href);
	const log = (msg: string) => console.error(`[bench n8n] ${msg}`);

	let received = 0;
	const smtp = new SMTPServer({
		disabledCommands: ['STARTTLS', 'AUTH'],
		authOptional: true,
		logger: false,
		onData(stream, _session, callback) {
			stream.on('data', () => undefined);
			stream.on('end', () => {
				received++;
				callback();
			});
		},
	});
	await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
	const smtpPort = (smtp.server.address() as AddressInfo).port;

	let hooks = 0;
	const sink = http.createServer((req, res) => {
		req.on('data', () => undefined);
		req.on('end', () => {
			hooks++;
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{}');
		});
	});
	await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
	const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;

	const tarball: string = process.env.JOURNEYS_BENCH_TARBALL || (await harness.buildAndPack({ log }));
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'journeys-bench-send-'));
	let launched: { n8n: { url: string; stop: () => Promise<void> }; api: any } | undefined;
	try {
		launched = await harness.launchN8n({ userFolder, tarball, owner: { email: 'bench@example.com' }, log });
		const { api } = launched!;
		const baseUrl = launched!.n8n.url;
		const suffix = randomUUID().slice(0, 8);
		const create = (credential: { name: string; type: string; data: Record<string, unknown> }) =>
			api.createCredential(credential).catch((error: Error) => {
				throw new Error(`creating a ${credential.type} credential: ${error.message}`);
			});
		const ours = await create({
			name: `bench smtp ${suffix}`,
			type: 'channelSendSmtpApi',
			data: { host: '127.0.0.1', port: smtpPort, security: 'none', user: '', password: '', from: 'Bench <bench@example.com>', allowSelfSigned: false },
		});
		const theirs = await create({
			name: `bench n8n smtp ${suffix}`,
			type: 'smtp',
			data: { user: '', password: '', host: '127.0.0.1', port: smtpPort, secure: false, disableStartTls: true, hostName: '' },
		});
		const signing = await create({
			name: `bench signing ${suffix}`,
			type: 'journeyEventSigningApi',
			data: { secret: `whsec_${randomBytes(32).toString('base64')}`, previousSecret: '' },
		});
		const channelSend = (parameters: Record<string, unknown>, credentials: Record<string, unknown>) =>
			node('Send', 'n8n-nodes-journeys.channelSend', 1, [0, 0], { messageType: 'transactional', contactId: '={{ $json.contactId }}', store: 'memory', messageKey: '={{ $json.key }}', ...parameters }, { credentials });
		const flows = {
			ours: workflow(`bench send email ${suffix}`, `bench-send-email-${suffix}`, channelSend(
				{ channel: 'email', to: '={{ $json.email }}', subject: 'Your receipt', text: 'Thank you for your order.', html: '<p>Thank you for your order.</p>', options: { concurrency: 10 } },
				{ channelSendSmtpApi: { id: ours.id, name: ours.name } },
			)),
			theirs: workflow(`bench n8n email ${suffix}`, `bench-n8n-email-${suffix}`, node('Send', 'n8n-nodes-base.emailSend', 2.1, [0, 0], {
				fromEmail: 'bench@example.com',
				toEmail: '={{ $json.email }}',
				subject: 'Your receipt',
				emailFormat: 'both',
				text: 'Thank you for your order.',
				html: '<p>Thank you for your order.</p>',
				options: { appendAttribution: false },
			}, { credentials: { smtp: { id: theirs.id, name: theirs.name } }, webhookId: randomUUID() })),
			webhook: workflow(`bench send webhook ${suffix}`, `bench-send-webhook-${suffix}`, channelSend(
				{ channel: 'webhook', url: sinkUrl, body: '={{ JSON.stringify({ contactId: $json.contactId, key: $json.key }) }}', options: { concurrency: 32 } },
				{ journeyEventSigningApi: { id: signing.id, name: signing.name } },
			)),
		};
		const imported = await api.importWorkflows(Object.values(flows), { activate: true });
		const paths: Record<string, string> = {};
		(Object.keys(flows) as Array<keyof typeof flows>).forEach((k, i) => (paths[k] = imported[i].webhookPaths[0]));

		const runOnce = async (which: keyof typeof flows, expected: number, counter: () => number): Promise<number> => {
			const body = JSON.stringify({ items: items(expected) });
			const before = counter();
			const start = performance.now();
			for (let attempt = 0; ; attempt++) {
				const res = await fetch(`${baseUrl}/webhook/${paths[which]}`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body,
				});
				if (res.ok) break;
				// a just-activated webhook can answer 404 for a moment
				if (res.status !== 404 || attempt > 40) throw new Error(`${which}: the workflow answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
				await new Promise((resolve) => setTimeout(resolve, 250));
			}
			const seconds = (performance.now() - start) / 1000;
			// Channel Send settles before the execution answers; n8n's node awaits each send too
			const got = counter() - before;
			if (got !== expected) throw new Error(`${which}: the server received ${got} messages, expected ${expected}`);
			return expected / seconds;
		};

		const mails = () => received;
		await runOnce('ours', EMAILS, mails);
		await runOnce('theirs', EMAILS, mails);
		const oursRates: number[] = [];
		const theirRates: number[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			oursRates.push(await runOnce('ours', EMAILS, mails));
			theirRates.push(await runOnce('theirs', EMAILS, mails));
		}
		const email = median(oursRates);
		const n8nEmail = median(theirRates);
		console.log(`bench send.email: ${Math.round(email)} msgs/s`);
		console.log(`bench send.n8n_email: ${Math.round(n8nEmail)} msgs/s`);
		console.log(`bench send.vs_n8n_email: ${(email / n8nEmail).toFixed(2)}`);
		const webhook = await runOnce('webhook', WEBHOOKS, () => hooks);
		console.log(`bench send.webhook: ${Math.round(webhook)} msgs/s`);
	} finally {
		await launched?.n8n.stop();
		await new Promise((resolve) => sink.close(resolve));
		await new Promise<void>((resolve) => smtp.close(() => resolve()));
		rmSync(userFolder, { recursive: true, force: true });
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
