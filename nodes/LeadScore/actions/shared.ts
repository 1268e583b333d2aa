import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { CompiledScoringModel, JourneyStore, ScoreOptions, ScoreState } from '../../../lib';

/** One item that passed its own checks and goes to the store. */
export interface Job {
	itemIndex: number;
	contactId: string;
	json: IDataObject;
	/** Reset Group: the groups to drop */
	groups?: string[];
	/** Score Event: what the rules read, the contact's zone and the update's idempotency key */
	facts?: IDataObject;
	timezone?: string;
	key?: string;
}

/** What every operation gets: the execution's model, store, store options and the jobs. */
export interface OperationInput {
	ctx: IExecuteFunctions;
	model: CompiledScoringModel;
	store: JourneyStore;
	options: ScoreOptions;
	jobs: Job[];
	/** the store's time for this execution */
	now: number;
}

/** An operation: per-item checks, then one batched store call for all jobs; result[i] answers jobs[i]. */
export interface Operation {
	/** per-item checks, made once per execution: throws an ItemError for a bad item, may add to the job */
	planner?(ctx: IExecuteFunctions, options: ScoreOptions): (job: Job) => void;
	run(input: OperationInput): Promise<ScoreState[]>;
	/** whether an item leaves on Qualified */
	qualified(state: ScoreState): boolean;
}
