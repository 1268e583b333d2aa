import type { INodeProperties } from 'n8n-workflow';

/** Whose events the event conditions read, and the zone dates are read in (both versions). */
export const contactProperties: INodeProperties[] = [
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '={{ $json.contactId }}',
		description: 'Needed only for event conditions: whose event history to read',
	},
	{
		displayName: 'Contact Time Zone',
		name: 'timezone',
		type: 'string',
		default: '={{ $json.timezone }}',
		description:
			'IANA zone (e.g. Asia/Seoul) in which relative dates and anniversaries are read; empty uses the fallback below',
	},
];
