/**
 * Across the package, what a marketer sees before running anything: labels without
 * title-casing artefacts such as "(Ms)", Docs links that land on the node's own README section,
 * every store node saying where test runs keep their state, and the node picker's line for
 * Journey Event (which n8n takes from the trigger it merges with) describing Journey Event.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { INodeProperties, INodeType } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import pkg from '../../../package.json';
import { ChannelSendFcmApi } from '../../../credentials/ChannelSendFcmApi.credentials';
import { ChannelSendResendApi } from '../../../credentials/ChannelSendResendApi.credentials';
import { ChannelSendSlackApi } from '../../../credentials/ChannelSendSlackApi.credentials';
import { ChannelSendSmtpApi } from '../../../credentials/ChannelSendSmtpApi.credentials';
import { ChannelSendSolapiApi } from '../../../credentials/ChannelSendSolapiApi.credentials';
import { ChannelSendTwilioApi } from '../../../credentials/ChannelSendTwilioApi.credentials';
import { JourneyEventSigningApi } from '../../../credentials/JourneyEventSigningApi.credentials';
import { JourneyStoreRedisApi } from '../../../credentials/JourneyStoreRedisApi.credentials';
import { JourneyReportBasicAuthApi } from '../../../credentials/JourneyReportBasicAuthApi.credentials';
import { JourneyReportHeaderAuthApi } from '../../../credentials/JourneyReportHeaderAuthApi.credentials';
import { ChannelSend } from '../../../nodes/ChannelSend/ChannelSend.node';
import { FrequencyCap } from '../../../nodes/FrequencyCap/FrequencyCap.node';
import { JourneyEntry } from '../../../nodes/JourneyEntry/JourneyEntry.node';
import { JourneyEvent } from '../../../nodes/JourneyEvent/JourneyEvent.node';
import { JourneyEventTrigger } from '../../../nodes/JourneyEventTrigger/JourneyEventTrigger.node';
import { LeadScore } from '../../../nodes/LeadScore/LeadScore.node';
import { SegmentFilter } from '../../../nodes/SegmentFilter/SegmentFilter.node';
import { WaitUntilEvent } from '../../../nodes/WaitUntilEvent/WaitUntilEvent.node';
import { JourneySplit } from '../../../nodes/JourneySplit/JourneySplit.node';
import { JourneyReport } from '../../../nodes/JourneyReport/JourneyReport.node';
import { JourneyReportPage } from '../../../nodes/JourneyReportPage/JourneyReportPage.node';

const root = path.resolve(__dirname, '../../..');
const source = (file: string) => path.join(root, file.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

// every node and credential package.json declares (checked below, so a new one is not forgotten)
// (a versioned node as n8n shows a new one: its current version)
const segmentFilter = new SegmentFilter();
const nodeClasses: INodeType[] = [segmentFilter.nodeVersions[segmentFilter.currentVersion], new FrequencyCap(), new WaitUntilEvent(), new JourneyEvent(), new JourneyEventTrigger(), new JourneyEntry(), new LeadScore(), new ChannelSend(), new JourneySplit(), new JourneyReport(), new JourneyReportPage()];
const nodes = nodeClasses.map((instance) => ({
	instance,
	file: pkg.n8n.nodes.find((f) => f.endsWith(`/${instance.description.name[0].toUpperCase()}${instance.description.name.slice(1)}.node.js`)) ?? '',
}));
const credentials = [new JourneyStoreRedisApi(), new JourneyEventSigningApi(), new ChannelSendFcmApi(), new ChannelSendResendApi(), new ChannelSendSlackApi(), new ChannelSendSmtpApi(), new ChannelSendSolapiApi(), new ChannelSendTwilioApi(), new JourneyReportBasicAuthApi(), new JourneyReportHeaderAuthApi()].map((instance) => ({ instance }));
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** GitHub's anchor for a heading. */
const slug = (heading: string) =>
	heading
		.trim()
		.toLowerCase()
		.replace(/[^\w\- ]/g, '')
		.replace(/ /g, '-');
const anchors = new Set(readme.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));

function allLabels(properties: INodeProperties[]): string[] {
	return properties.flatMap((p) => [
		p.displayName,
		...((p.options ?? []) as Array<{ name?: string; displayName?: string; values?: INodeProperties[]; options?: unknown }>).flatMap((o) =>
			'values' in o && o.values ? [o.displayName ?? '', ...allLabels(o.values)] : 'type' in o ? allLabels([o as INodeProperties]) : [o.name ?? ''],
		),
	]);
}

describe('the package as a marketer first meets it', () => {
	it('covers every node and credential the package declares', () => {
		expect(nodes.map((n) => n.file).sort()).toEqual([...pkg.n8n.nodes].sort());
		expect(credentials).toHaveLength(pkg.n8n.credentials.length);
	});

	it.each(nodes.map((n) => [n.instance.description.displayName, n] as const))('%s: labels have no "(Ms)"-style artefacts', (_name, node) => {
		for (const label of allLabels(node.instance.description.properties)) expect(label).not.toMatch(/\((Ms|Id|Url|Ttl|Sec|Min)\)/);
	});

	it.each(credentials.map((c) => [c.instance.displayName, c] as const))('%s credential: labels have no artefacts and docs land on a README section', (_n, c) => {
		for (const label of allLabels(c.instance.properties)) expect(label).not.toMatch(/\((Ms|Id|Url|Ttl)\)/);
		const anchor = String(c.instance.documentationUrl).split('#')[1];
		expect(anchors, `README has no section #${anchor}`).toContain(anchor);
	});

	it.each(nodes.map((n) => [n.instance.description.displayName, n] as const))('%s: the Docs link lands on its own README section', (name, node) => {
		const codex = JSON.parse(readFileSync(source(node.file).replace(/\.ts$/, '.json'), 'utf8'));
		const url: string = codex.resources.primaryDocumentation[0].url;
		expect(url).toBe(`${pkg.homepage}#${slug(name)}`);
		expect(anchors, `README has no section "${name}"`).toContain(slug(name));
	});

	it.each(nodes.filter((n) => n.instance.description.properties.some((p) => p.name === 'store')).map((n) => [n.instance.description.displayName, n] as const))(
		'%s: says in its panel where test runs keep their state',
		(_name, node) => {
			const names = node.instance.description.properties.map((p) => p.name);
			expect(names).toEqual(expect.arrayContaining(['testRunStore', 'testStoreNotice', 'productionTestNotice']));
		},
	);

	it('the node picker\'s line for Journey Event (taken from the trigger n8n merges it with) describes Journey Event too', () => {
		const byName = new Map(nodes.map((n) => [n.instance.description.name, n.instance.description]));
		const action = byName.get('journeyEvent')!;
		const trigger = byName.get('journeyEventTrigger')!;
		// n8n 2.41's picker: a trigger named <app>Trigger is merged into <app>, whose description becomes the trigger's
		expect(trigger.name.replace('Trigger', '')).toBe(action.name);
		expect(trigger.description).toMatch(/Record contact events, consent, unsubscribes and erasure/);
		expect(trigger.description).toMatch(/receive signed events/);
	});
});
