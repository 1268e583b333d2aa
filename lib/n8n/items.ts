/**
 * The nodes' defaults read flat items (`{{ $json.contactId }}`), while n8n's Webhook node puts
 * the request payload under `body`. When such a read came out empty, this names the field the
 * item does have under `body`, so the error says what to map instead of only "empty".
 */
export function webhookBodyHint(json: Record<string, unknown> | undefined, field: string, parameter: string): string | undefined {
	if (!json || (json[field] !== undefined && json[field] !== null && json[field] !== '')) return undefined;
	const body = json.body;
	if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
	const value = (body as Record<string, unknown>)[field];
	if (value === undefined || value === null || value === '') return undefined;
	return `The item has no "${field}", but "body.${field}" is set (n8n's Webhook node puts the request under "body"): set "${parameter}" to {{ $json.body.${field} }}, or put a Set node that takes the body's fields before this node.`;
}
