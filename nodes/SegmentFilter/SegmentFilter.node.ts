import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';
import { SegmentFilterV1 } from './SegmentFilterV1';
import { SegmentFilterV2 } from './SegmentFilterV2';

/**
 * n8n's versioned-node pattern: a workflow saved with version 1 keeps version 1's parameters
 * and behaviour; new nodes get version 2 (n8n's own condition builder).
 */
export class SegmentFilter extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'Segment Filter',
			name: 'segmentFilter',
			icon: { light: 'file:segmentFilter.svg', dark: 'file:segmentFilter.dark.svg' },
			group: ['transform'],
			subtitle:
				'={{ {"builder": "Conditions", "rules": "Rules (JSON)", "segment": "Segment: " + $parameter["segment"]}[$parameter["mode"]] }}',
			description: 'Route contacts to Matched or Not Matched by conditions, rules or a saved segment',
			defaultVersion: 2,
		};
		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new SegmentFilterV1(baseDescription),
			2: new SegmentFilterV2(baseDescription),
		};
		super(nodeVersions, baseDescription);
	}
}
