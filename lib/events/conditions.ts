/**
 * Conditions on an event's properties, decided by the rules package (the one evaluator): the
 * facts are paths into `event.properties` (`total`, `items.0.sku`). Event-count conditions make
 * no sense inside one event and are refused.
 */
import { compileConditions, formatErrors, validateConditions } from '../../rules';
import type { ContactEvent } from '../store/types';

/** Problems of a condition tree, as "path: message" lines (empty when it is fine). */
export function checkEventConditions(tree: unknown): string[] {
	if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
		return ['the conditions must be an object with "all", "any" or "not" at the top'];
	}
	return validateConditions(tree, { path: 'conditions', allowEventConditions: false }).map((e) => formatErrors([e]));
}

/** A predicate over events; throws when the tree is invalid. */
export function compileEventConditions(tree: Record<string, unknown>): (event: ContactEvent) => boolean {
	const compiled = compileConditions(tree, { path: 'conditions', allowEventConditions: false });
	return (event) => compiled(event.properties, { now: Date.now(), timezone: 'UTC' });
}
