/**
 * The four journey templates (workflows-templates/*.json), read without n8n: every node is this
 * package's (with parameters its description declares for that version, and dropdown values it
 * lists) or one of n8n's own; the Journey settings node holds every value the nodes read from it;
 * every branch after Journey Entry ends in Exit Journey; a Frequency Cap stands before every
 * marketing send, and a message it holds for quiet hours waits for the send window and asks it
 * again; marketing sends have the Korean rules and quiet hours on; the sticky notes are there;
 * no credential id is set.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { INodeProperties, INodePropertyCollection, INodePropertyOptions, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { ChannelSend } from '../../../nodes/ChannelSend/ChannelSend.node';
import { FrequencyCap } from '../../../nodes/FrequencyCap/FrequencyCap.node';
import { JourneyEntry } from '../../../nodes/JourneyEntry/JourneyEntry.node';
import { JourneyEvent } from '../../../nodes/JourneyEvent/JourneyEvent.node';
import { JourneyEventTrigger } from '../../../nodes/JourneyEventTrigger/JourneyEventTrigger.node';
import { LeadScore } from '../../../nodes/LeadScore/LeadScore.node';
import { SegmentFilter } from '../../../nodes/SegmentFilter/SegmentFilter.node';
import { WaitUntilEvent } from '../../../nodes/WaitUntilEvent/WaitUntilEvent.node';

const dir = path.resolve(__dirname, '../../../workflows-templates');
const PACKAGE = 'n8n-nodes-journeys.';
const TEMPLATES = ['cart-abandonment.json', 'onboarding.json', 'post-purchase.json', 'win-back.json'];

/** n8n's own nodes the templates may use, with the version n8n 2.41 ships that they are written for. */
const BASE_NODES: Record<string, { version: number; outputs: number }> = {
	'n8n-nodes-base.set': { version: 3.4, outputs: 1 },
	'n8n-nodes-base.filter': { version: 2.2, outputs: 1 },
	'n8n-nodes-base.if': { version: 2.2, outputs: 2 },
	'n8n-nodes-base.stickyNote': { version: 1, outputs: 0 },
	'n8n-nodes-base.scheduleTrigger': { version: 1.2, outputs: 1 },
	'n8n-nodes-base.postgres': { version: 2.5, outputs: 1 },
	'n8n-nodes-base.executeWorkflow': { version: 1.2, outputs: 1 },
	'n8n-nodes-base.executeWorkflowTrigger': { version: 1.1, outputs: 1 },
};

/** The package's node descriptions by type name and version. */
function packageDescriptions(): Map<string, INodeTypeDescription> {
	const out = new Map<string, INodeTypeDescription>();
	const classes: Array<new () => INodeType & { nodeVersions?: Record<string, INodeType> }> = [
		ChannelSend,
		FrequencyCap,
		JourneyEntry,
		JourneyEvent,
		JourneyEventTrigger,
		LeadScore,
		SegmentFilter as never,
		WaitUntilEvent,
	];
	for (const Node of classes) {
		const instance = new Node();
		const descriptions = instance.nodeVersions ? Object.values(instance.nodeVersions).map((n) => n.description) : [instance.description];
		for (const d of descriptions) {
			for (const v of Array.isArray(d.version) ? d.version : [d.version]) out.set(`${PACKAGE}${d.name}@${v}`, d);
		}
	}
	return out;
}
const DESCRIPTIONS = packageDescriptions();

type Node = { id: string; name: string; type: string; typeVersion: number; position: [number, number]; parameters: Record<string, any>; credentials?: Record<string, { id: string; name: string }> };
type Workflow = { name: string; nodes: Node[]; connections: Record<string, { main: Array<Array<{ node: string; index: number }>> }>; settings: Record<string, unknown> };

const load = (file: string): Workflow => JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
const isExpression = (v: unknown) => typeof v === 'string' && v.startsWith('=');

/** Parameter names (at any depth) a node sets that its description does not declare, and literal dropdown values it does not list. */
export function parameterProblems(where: string, values: Record<string, unknown>, properties: readonly INodeProperties[]): string[] {
	const problems: string[] = [];
	for (const [name, value] of Object.entries(values)) {
		const candidates = properties.filter((p) => p.name === name);
		if (candidates.length === 0) {
			problems.push(`${where}.${name}: not a parameter of this node version`);
			continue;
		}
		const p = candidates[0];
		if ((p.type === 'options' || p.type === 'multiOptions') && !isExpression(value) && Array.isArray(p.options)) {
			const allowed = (p.options as INodePropertyOptions[]).map((o) => o.value);
			for (const v of Array.isArray(value) ? value : [value]) if (!allowed.includes(v as never)) problems.push(`${where}.${name}: "${String(v)}" is not one of ${allowed.join(', ')}`);
		}
		if (p.type === 'collection' && value && typeof value === 'object') {
			problems.push(...parameterProblems(`${where}.${name}`, value as Record<string, unknown>, p.options as INodeProperties[]));
		}
		if (p.type === 'fixedCollection' && value && typeof value === 'object') {
			for (const [group, entries] of Object.entries(value as Record<string, unknown>)) {
				const option = (p.options as INodePropertyCollection[]).find((o) => o.name === group);
				if (!option) {
					problems.push(`${where}.${name}.${group}: not a group of this collection`);
					continue;
				}
				for (const entry of Array.isArray(entries) ? entries : [entries]) {
					problems.push(...parameterProblems(`${where}.${name}.${group}`, entry as Record<string, unknown>, option.values));
				}
			}
		}
	}
	return problems;
}

function outputsOf(node: Node): number {
	if (node.type.startsWith(PACKAGE)) {
		const d = DESCRIPTIONS.get(`${node.type}@${node.typeVersion}`)!;
		// Frequency Cap names its two outputs per mode with an expression
		return Array.isArray(d.outputs) ? d.outputs.length : 2;
	}
	return BASE_NODES[node.type]?.outputs ?? 1;
}

const targets = (wf: Workflow, name: string, output: number) => (wf.connections[name]?.main?.[output] ?? []).map((c) => c.node);
const parents = (wf: Workflow, name: string) =>
	Object.entries(wf.connections).flatMap(([from, c]) => c.main.flatMap((out, output) => (out ?? []).filter((t) => t.node === name).map(() => ({ from, output }))));
const isExit = (node: Node) => node.type === `${PACKAGE}journeyEvent` && node.parameters.operation === 'exitJourney';

/** Every node reached from Journey Entry's Entered output, and the problems of the branches: an open output, a leaf that is not Exit Journey. */
export function branchProblems(wf: Workflow): { reached: Node[]; problems: string[] } {
	const byName = new Map(wf.nodes.map((n) => [n.name, n]));
	const problems: string[] = [];
	const entry = wf.nodes.find((n) => n.type === `${PACKAGE}journeyEntry`);
	if (!entry) return { reached: [], problems: ['no Journey Entry node'] };
	const seen = new Set<string>();
	const queue = targets(wf, entry.name, 0);
	if (queue.length === 0) problems.push('Journey Entry\'s Entered output leads nowhere');
	while (queue.length) {
		const name = queue.shift()!;
		if (seen.has(name)) continue;
		seen.add(name);
		const node = byName.get(name);
		if (!node) {
			problems.push(`a connection leads to "${name}", which is not a node`);
			continue;
		}
		if (isExit(node)) {
			if ((wf.connections[name]?.main ?? []).some((o) => o?.length)) problems.push(`"${name}" is an Exit Journey with nodes after it`);
			continue;
		}
		for (let output = 0; output < outputsOf(node); output++) {
			const next = targets(wf, name, output);
			if (next.length === 0) problems.push(`"${name}" output ${output} leads nowhere (end every branch in Exit Journey)`);
			queue.push(...next);
		}
	}
	return { reached: [...seen].map((n) => byName.get(n)!).filter(Boolean), problems };
}

/** The settings fields the nodes read: $('Journey settings').first().json.<field>. */
function settingsReferences(wf: Workflow): Set<string> {
	const text = JSON.stringify(wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote').map((n) => n.parameters));
	return new Set([...text.matchAll(/\$\('Journey settings'\)\.(?:first\(\)|item)\.json\.([A-Za-z0-9_]+)/g)].map((m) => m[1]));
}

const CHANNEL_OF: Record<string, string> = { email: 'email', resendEmail: 'email', fcmPush: 'push', solapiSms: 'sms', alimTalk: 'kakao', twilioSms: 'sms' };

describe('journey templates (static)', () => {
	it('the folder holds the four journeys', () => {
		expect(readdirSync(dir).filter((f) => f.endsWith('.json')).sort()).toEqual(TEMPLATES);
	});

	it('the checks themselves flag an unknown parameter, a bad dropdown value, an open output and a leaf that is not Exit Journey', () => {
		const d = DESCRIPTIONS.get(`${PACKAGE}frequencyCap@1`)!;
		expect(parameterProblems('cap', { operation: 'checkAndReserve', bogus: 1, caps: { cap: [{ type: 'sometimes', maxMessages: 2 }] } }, d.properties)).toEqual([
			'cap.bogus: not a parameter of this node version',
			'cap.caps.cap.type: "sometimes" is not one of limit, gap',
		]);
		const node = (name: string, type: string, parameters: Record<string, unknown> = {}) => ({ id: name, name, type, typeVersion: 1, position: [0, 0] as [number, number], parameters });
		const wf: Workflow = {
			name: 'broken',
			settings: {},
			nodes: [node('Entry', `${PACKAGE}journeyEntry`), node('Cap', `${PACKAGE}frequencyCap`), node('Send', `${PACKAGE}channelSend`)],
			connections: { Entry: { main: [[{ node: 'Cap', index: 0 }]] }, Cap: { main: [[{ node: 'Send', index: 0 }]] } },
		};
		expect(branchProblems(wf).problems).toEqual([
			'"Cap" output 1 leads nowhere (end every branch in Exit Journey)',
			'"Send" output 0 leads nowhere (end every branch in Exit Journey)',
			'"Send" output 1 leads nowhere (end every branch in Exit Journey)',
		]);
	});

	for (const file of TEMPLATES) {
		describe(file, () => {
			const wf = load(file);
			const nodes = wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote');
			const stickies = wf.nodes.filter((n) => n.type === 'n8n-nodes-base.stickyNote');

			it('has n8n\'s workflow fields and the settings waits need', () => {
				expect(wf.name).toMatch(/^Journey: /);
				expect(wf.settings).toMatchObject({ executionOrder: 'v1', saveDataSuccessExecution: 'all' });
				expect(new Set(wf.nodes.map((n) => n.name)).size).toBe(wf.nodes.length);
				expect(new Set(wf.nodes.map((n) => n.id)).size).toBe(wf.nodes.length);
				for (const [from, c] of Object.entries(wf.connections)) {
					expect(wf.nodes.some((n) => n.name === from), from).toBe(true);
					for (const t of c.main.flat()) expect(wf.nodes.some((n) => n.name === t.node), t.node).toBe(true);
				}
			});

			it('uses only this package\'s nodes (by their package type name) and n8n\'s own, with parameters their description declares', () => {
				const problems: string[] = [];
				for (const node of wf.nodes) {
					if (node.type.startsWith(PACKAGE)) {
						const d = DESCRIPTIONS.get(`${node.type}@${node.typeVersion}`);
						if (!d) problems.push(`${node.name}: ${node.type} v${node.typeVersion} is not a node of the package`);
						else problems.push(...parameterProblems(node.name, node.parameters, d.properties));
					} else if (BASE_NODES[node.type]?.version !== node.typeVersion) {
						problems.push(`${node.name}: ${node.type} v${node.typeVersion} is not one of the n8n nodes templates use`);
					}
				}
				expect(problems).toEqual([]);
			});

			it('leaves every credential id empty', () => {
				const credentials = nodes.flatMap((n) => Object.entries(n.credentials ?? {}).map(([type, c]) => ({ node: n.name, type, ...c })));
				expect(credentials.length).toBeGreaterThan(0);
				for (const c of credentials) {
					expect(c.id, `${c.node} ${c.type}`).toBe('');
					expect(c.name).not.toBe('');
				}
			});

			it('keeps delays, caps, content and sender in one Journey settings node that the nodes read', () => {
				const settings = wf.nodes.find((n) => n.name === 'Journey settings')!;
				expect(settings.type).toBe('n8n-nodes-base.set');
				const fields = new Map<string, unknown>(settings.parameters.assignments.assignments.map((a: { name: string; value: unknown }) => [a.name, a.value]));
				const used = settingsReferences(wf);
				expect([...used].filter((f) => !fields.has(f)), 'read but not in Journey settings').toEqual([]);
				expect([...fields.keys()].filter((f) => !used.has(f)), 'in Journey settings but read by no node').toEqual([]);
				for (const field of ['capMaxMessages', 'capWindowDays', 'sendFrom', 'sendUntil', 'senderName', 'campaign', 'journeyName']) expect(fields.has(field), field).toBe(true);
				// every delay has its unit, so a test (or a marketer) can use seconds, minutes, hours or days
				const waits = nodes.filter((n) => n.type === `${PACKAGE}waitUntilEvent` && n.parameters.timeoutType === 'duration');
				expect(waits.length).toBeGreaterThan(0);
				for (const w of waits) {
					expect(w.parameters.timeoutAmount).toMatch(/^=\{\{ \$\('Journey settings'\)\.first\(\)\.json\.\w+ \}\}$/);
					const unit = /json\.(\w+)/.exec(w.parameters.timeoutUnit)?.[1];
					expect(['seconds', 'minutes', 'hours', 'days', 'weeks']).toContain(fields.get(unit!));
					expect(w.parameters.eventNames).toMatch(/Journey settings/);
				}
			});

			it('starts with the Journey Event Trigger or a schedule, then Journey Entry, and ends every branch in Exit Journey', () => {
				const triggers = nodes.filter((n) => n.type === `${PACKAGE}journeyEventTrigger` || n.type === 'n8n-nodes-base.scheduleTrigger');
				expect(triggers).toHaveLength(1);
				expect(nodes.filter((n) => n.type === `${PACKAGE}journeyEntry`)).toHaveLength(1);
				const { reached, problems } = branchProblems(wf);
				expect(problems).toEqual([]);
				expect(reached.filter(isExit).length).toBeGreaterThanOrEqual(2);
				// every package node on a journey path is reached from Journey Entry
				const journeyNodes = nodes.filter((n) => [`${PACKAGE}channelSend`, `${PACKAGE}waitUntilEvent`, `${PACKAGE}frequencyCap`].includes(n.type) || isExit(n));
				expect(journeyNodes.map((n) => n.name).filter((n) => !reached.some((r) => r.name === n))).toEqual([]);
			});

			it('puts a Frequency Cap (check and reserve, same channel, quiet hours) before every marketing send, with the Korean rules and quiet hours on', () => {
				const byName = new Map(wf.nodes.map((n) => [n.name, n]));
				const sends = nodes.filter((n) => n.type === `${PACKAGE}channelSend`);
				expect(sends.length).toBeGreaterThan(0);
				for (const send of sends) expect(['marketing', 'transactional']).toContain(send.parameters.messageType);
				const marketing = sends.filter((s) => s.parameters.messageType === 'marketing');
				expect(marketing.length).toBeGreaterThan(0);
				for (const send of marketing) {
					const from = parents(wf, send.name);
					expect(from.length, send.name).toBeGreaterThan(0);
					for (const p of from) {
						const capNode = byName.get(p.from)!;
						expect(capNode.type, `${send.name} comes after ${p.from}`).toBe(`${PACKAGE}frequencyCap`);
						expect(p.output, `${send.name} hangs off ${p.from}'s Allowed output`).toBe(0);
						expect(capNode.parameters).toMatchObject({ operation: 'checkAndReserve', quietHours: true, bypass: false, channel: CHANNEL_OF[send.parameters.channel] });
					// capped only by quiet hours: wait until the window opens (still listening for the exit events), then ask the cap again
					const [check] = targets(wf, capNode.name, 1).map((n) => byName.get(n)!);
					expect(check.type, `${capNode.name}'s Capped output`).toBe('n8n-nodes-base.if');
					expect(JSON.stringify(check.parameters.conditions)).toContain('"rightValue":"quiet_hours"');
					const [hold] = targets(wf, check.name, 0).map((n) => byName.get(n)!);
					expect(hold.parameters).toMatchObject({ timeoutType: 'dateTime', timeoutDateTime: '={{ $json.frequencyCap.retryAt }}' });
					expect(hold.parameters.eventNames).toMatch(/Journey settings/);
					expect(targets(wf, hold.name, 0)).toEqual([capNode.name]);
					}
					expect(send.parameters.options.koreanRules).toBe('always');
					expect(send.parameters.options.optOutLine).toBeTruthy();
					expect(send.parameters.options.senderName).toBeTruthy();
					expect(send.parameters.options.quietHours?.window).toBeTruthy();
				}
			});

			it('has a large sticky note (what it does, how to set it up, what to change) and an orange one beside each value to change', () => {
				const big = stickies.filter((s) => s.parameters.width >= 600 && s.parameters.height >= 400);
				expect(big).toHaveLength(1);
				expect(big[0].parameters.content).toMatch(/What it does/);
				expect(big[0].parameters.content).toMatch(/How to set it up/);
				expect(big[0].parameters.content).toMatch(/What to change per client/);
				const orange = stickies.filter((s) => s.parameters.color === 2);
				expect(orange.length).toBeGreaterThanOrEqual(2);
				const near = (names: string[]) => {
					for (const name of names) {
						const node = wf.nodes.find((n) => n.name === name || n.type === name)!;
						expect(node, name).toBeTruthy();
						const beside = orange.some((s) => Math.abs(s.position[0] - node.position[0]) <= 400 && Math.abs(s.position[1] - node.position[1]) <= 400);
						expect(beside, `an orange sticky beside "${node.name}"`).toBe(true);
					}
				};
				near(['Journey settings', ...nodes.filter((n) => n.type === `${PACKAGE}journeyEventTrigger` || n.type === 'n8n-nodes-base.scheduleTrigger' || n.type === 'n8n-nodes-base.postgres' || n.type === `${PACKAGE}segmentFilter`).map((n) => n.name)]);
			});
		});
	}

	it('win-back reads contacts from PostgreSQL daily, keeps the inactive-90-days segment and starts one journey per contact', () => {
		const wf = load('win-back.json');
		const type = (t: string) => wf.nodes.filter((n) => n.type === t);
		expect(type('n8n-nodes-base.scheduleTrigger')[0].parameters.rule.interval[0].field).toBe('days');
		expect(type('n8n-nodes-base.postgres')[0].parameters.operation).toBe('executeQuery');
		expect(type(`${PACKAGE}segmentFilter`)[0].parameters).toMatchObject({ mode: 'segment', segment: 'inactive-90-days' });
		expect(type('n8n-nodes-base.executeWorkflow')[0].parameters).toMatchObject({ mode: 'each', options: { waitForSubWorkflow: false }, workflowId: { value: '={{ $workflow.id }}' } });
		expect(type(`${PACKAGE}journeyEntry`)[0].parameters).toMatchObject({ reentry: 'afterPeriod', whileActive: 'refuse' });
	});

	it('cart abandonment enters once per cart, also while another cart waits, and its waits match the cart', () => {
		const wf = load('cart-abandonment.json');
		const entry = wf.nodes.find((n) => n.type === `${PACKAGE}journeyEntry`)!;
		expect(entry.parameters).toMatchObject({ reentry: 'oncePerKey', entryKey: '={{ $json.properties.cartId }}', whileActive: 'allow' });
		const waits = wf.nodes.filter((n) => n.type === `${PACKAGE}waitUntilEvent`);
		// the two delays, and one hold for send hours per Frequency Cap
		expect(waits).toHaveLength(5);
		for (const w of waits) expect(w.parameters).toMatchObject({ correlate: true, correlationProperty: 'cartId', correlationValue: '={{ $json.properties.cartId }}' });
		const channels = wf.nodes.filter((n) => n.type === `${PACKAGE}channelSend`).map((n) => n.parameters.channel).sort();
		expect(channels).toEqual(['email', 'fcmPush', 'solapiSms']);
	});
});
