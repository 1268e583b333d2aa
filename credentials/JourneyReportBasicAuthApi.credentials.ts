import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The user name and password the Journey Report Page asks for (HTTP Basic authentication), as
 * n8n's Webhook node does with its Basic Auth credential — which a community node may not
 * reuse. Tested by the page node's `journeyReportAuthTest` (both fields set; nothing to call).
 */
export class JourneyReportBasicAuthApi implements ICredentialType {
	name = 'journeyReportBasicAuthApi';

	displayName = 'Journey Report Basic Auth API';

	icon: Icon = {
		light: 'file:../nodes/JourneyReportPage/journeyReportPage.svg',
		dark: 'file:../nodes/JourneyReportPage/journeyReportPage.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-journeys/n8n-nodes-journeys#journey-report-page';

	properties: INodeProperties[] = [
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			required: true,
			description: 'The user name the browser asks for when the report page is opened',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'At least 12 characters',
		},
	];
}
