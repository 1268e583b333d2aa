import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { journeyReportAuthTest, reportRangeProperties, storeCredentialTest, storeProperties } from '../../lib';
import { servePage } from './page';

// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete -- n8n serves this page itself; there is no third-party subscription to create or delete
export class JourneyReportPage implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Journey Report Page',
		name: 'journeyReportPage',
		icon: { light: 'file:journeyReportPage.svg', dark: 'file:journeyReportPage.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "GET /" + $parameter["path"] }}',
		description: 'Serve a journey report web page: funnels, conversion per variant with intervals, uplift against the holdout',
		defaults: { name: 'Journey Report Page' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'journeyReportBasicAuthApi',
				required: true,
				displayOptions: { show: { authentication: ['basicAuth'] } },
				testedBy: 'journeyReportAuthTest',
			},
			{
				name: 'journeyReportHeaderAuthApi',
				required: true,
				displayOptions: { show: { authentication: ['headerAuth'] } },
				testedBy: 'journeyReportAuthTest',
			},
			{
				name: 'journeyStoreRedisApi',
				required: true,
				displayOptions: { show: { store: ['redis'] } },
				testedBy: 'journeyStoreRedisConnectionTest',
			},
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'GET',
				responseMode: 'onReceived',
				responseData: '',
				path: '={{ $parameter["path"] }}',
				isFullPath: true,
			},
		],
		triggerPanel: {
			header: 'Open the Test URL above in a browser',
			executionsHelp: {
				inactive:
					'<b>While testing</b>, open the <b>Test URL</b> in a browser: the page shows the report and its rows appear here as items. Add <code>?from=2026-11-01&amp;to=2026-11-30</code> for other days.<br /><br /><b>Once the workflow is published</b>, the <b>Production URL</b> serves the page whenever it is opened; it starts no execution.',
				active: '<b>The workflow is published</b>: open the <b>Production URL</b> in a browser. Opening the page starts no execution.',
			},
			activationHint: 'Publish the workflow to serve the report page at the Production URL.',
		},
		properties: [
			{
				displayName: 'Path',
				name: 'path',
				type: 'string',
				default: 'journey-report',
				required: true,
				description: 'The page is served at the n8n webhook URL followed by /webhook/ and this path; ?from=YYYY-MM-DD&to=YYYY-MM-DD&journey=name change the days and journeys',
			},
			{
				displayName: 'Authentication',
				name: 'authentication',
				type: 'options',
				options: [
					{ name: 'Basic Auth', value: 'basicAuth', description: 'The browser asks for a user and password' },
					{ name: 'Header Auth', value: 'headerAuth', description: 'A request header must carry a secret value (e.g. added by a proxy)' },
					{ name: 'None', value: 'none', description: 'Anyone with the URL sees the report' },
				],
				default: 'basicAuth',
				description: 'Who may open the page, as n8n\'s Webhook node asks it',
			},
			...reportRangeProperties,
			...storeProperties,
		],
	};

	methods = {
		credentialTest: {
			...storeCredentialTest,
			async journeyReportAuthTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
			): Promise<INodeCredentialTestResult> {
				return await journeyReportAuthTest(credential);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await servePage(this);
	}
}
