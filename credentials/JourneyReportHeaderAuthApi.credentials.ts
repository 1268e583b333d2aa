import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * A request header and its value the Journey Report Page requires (e.g. for a dashboard proxy
 * that adds it), as n8n's Webhook node does with its Header Auth credential — which a community
 * node may not reuse. Tested by the page node's `journeyReportAuthTest`.
 */
export class JourneyReportHeaderAuthApi implements ICredentialType {
	name = 'journeyReportHeaderAuthApi';

	displayName = 'Journey Report Header Auth API';

	icon: Icon = {
		light: 'file:../nodes/JourneyReportPage/journeyReportPage.svg',
		dark: 'file:../nodes/JourneyReportPage/journeyReportPage.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-journeys/n8n-nodes-journeys#journey-report-page';

	properties: INodeProperties[] = [
		{
			displayName: 'Header Name',
			name: 'name',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'X-Report-Key',
			description: 'The request header that must carry the value',
		},
		{
			displayName: 'Header Value',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The value the header must have; at least 16 characters',
		},
	];
}
