/**
 * A real Redis Cluster of the test's own: 3 masters and 1 replica each, redis-server processes
 * on free ports (no persistence, fast failover: cluster-node-timeout 1 s), created with
 * `redis-cli --cluster create`. Only the processes it started are stopped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { RedisStoreConfig } from '../../../lib/store/redis/connection';
import { keySlot } from '../../../lib/store/redis/slots';
import { HASH_SECRET, START_REDIS, freePort, sleep } from './redis';

const MASTERS = 3;
const NODE_TIMEOUT_MS = 1000;

interface ClusterNode {
	port: number;
	args: string[];
	process: ChildProcess;
}

interface NodeRole {
	port: number;
	id: string;
	master: boolean;
	/** the master's id, for a replica */
	of?: string;
	failed: boolean;
	slots: Array<[number, number]>;
}

export class RedisClusterFixture {
	private readonly nodes: ClusterNode[] = [];
	private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'journeys-cluster-'));

	/** Starts 6 redis-server processes, creates the cluster and waits until every node says it is ok and every replica is in sync. */
	static async start(): Promise<RedisClusterFixture> {
		const cluster = new RedisClusterFixture();
		try {
			for (let i = 0; i < MASTERS * 2; i++) await cluster.launch();
			const created = spawnSync(
				'redis-cli',
				['--cluster', 'create', ...cluster.nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'],
				{ encoding: 'utf8', timeout: 60_000 },
			);
			if (created.error) throw new Error(`could not run redis-cli (${created.error.message}): ${START_REDIS}`);
			if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}\n${created.stderr}`);
			await cluster.waitHealthy();
		} catch (error) {
			await cluster.stop();
			throw error;
		}
		return cluster;
	}

	private async launch(): Promise<void> {
		const port = await freePort();
		// the cluster bus on a port of its own (port + 10000 may be taken or out of range)
		const busPort = await freePort();
		const args = [
			'--port', String(port),
			'--cluster-port', String(busPort),
			'--bind', '127.0.0.1',
			'--cluster-enabled', 'yes',
			'--cluster-config-file', path.join(this.dir, `nodes-${port}.conf`),
			'--cluster-node-timeout', String(NODE_TIMEOUT_MS),
			// a replica always stands for election, however long it was cut off
			'--cluster-replica-validity-factor', '0',
			'--dir', this.dir,
			'--save', '',
			'--appendonly', 'no',
			'--enable-debug-command', 'yes',
		];

		const node: ClusterNode = { port, args, process: spawn('redis-server', args, { stdio: 'ignore' }) };
		this.nodes.push(node);
		await this.running(node);
	}

	/** Starts a killed node again on its port, with its cluster config: it rejoins, as a replica of whoever took its slots. */
	async restart(port: number): Promise<void> {
		const node = this.nodes.find((n) => n.port === port)!;
		node.process = spawn('redis-server', node.args, { stdio: 'ignore' });
		await this.running(node);
		await this.waitHealthy();
	}

	private async running(node: ClusterNode): Promise<void> {
		const { port, process: child } = node;
		const failed = new Promise<never>((_, reject) => {
			child.once('error', (error) => reject(new Error(`could not run redis-server (${error.message}): ${START_REDIS}`)));
		});
		const deadline = Date.now() + 10_000;
		while (!(await Promise.race([ping(port), failed]))) {
			if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start within 10 s`);
			await sleep(50);
		}
	}

	/** The seed nodes of a credential (all six: a client can start however many are down). */
	get seeds(): Array<{ host: string; port: number }> {
		return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
	}

	/** A store credential for this cluster under `namespace`. */
	config(namespace: string, overrides: Partial<RedisStoreConfig> = {}): RedisStoreConfig {
		const [first] = this.seeds;
		return {
			connection: 'cluster',
			nodes: this.seeds,
			host: first.host,
			port: first.port,
			database: 0,
			tls: false,
			namespace,
			hashSecret: HASH_SECRET,
			commandTimeoutMs: 2000,
			...overrides,
		};
	}

	/** The credential's fields as the n8n credential form stores them. */
	credential(namespace: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
		return {
			connection: 'cluster',
			clusterNodes: this.seeds.map((s) => `${s.host}:${s.port}`).join(', '),
			namespace,
			hashSecret: HASH_SECRET,
			commandTimeoutMs: 2000,
			...extra,
		};
	}

	/** The nodes as one live node sees them (CLUSTER NODES). */
	async roles(): Promise<NodeRole[]> {
		for (const node of this.live()) {
			const client = direct(node.port);
			try {
				const text = (await client.call('CLUSTER', 'NODES')) as string;
				return text
					.trim()
					.split('\n')
					.map((line) => {
						const [id, address, flags, of, , , , , ...slots] = line.split(' ');
						return {
							id,
							port: Number(address.split('@')[0].split(':')[1]),
							master: flags.includes('master'),
							of: of === '-' ? undefined : of,
							failed: flags.includes('fail'),
							slots: slots.filter((s) => !s.startsWith('[')).map((s) => {
								const [from, to] = s.split('-').map(Number);
								return [from, to ?? from] as [number, number];
							}),
						};
					});
			} catch {
				// that node is going away: ask the next
			} finally {
				client.disconnect();
			}
		}
		throw new Error('no cluster node answers');
	}

	/** The port of the master serving a key's slot. */
	async masterOf(key: string): Promise<number> {
		const slot = keySlot(key);
		const master = (await this.roles()).find((r) => r.master && !r.failed && r.slots.some(([from, to]) => from <= slot && slot <= to));
		if (!master) throw new Error(`no master serves slot ${slot}`);
		return master.port;
	}

	/**
	 * SIGKILLs the master on `port` (a crash: no goodbye to its replica or clients) and returns
	 * the port of its replica, which the cluster promotes after cluster-node-timeout.
	 */
	async killMaster(port: number): Promise<number> {
		const roles = await this.roles();
		const master = roles.find((r) => r.port === port && r.master);
		if (!master) throw new Error(`no master on port ${port}`);
		const replica = roles.find((r) => r.of === master.id);
		if (!replica) throw new Error(`the master on port ${port} has no replica`);
		const node = this.nodes.find((n) => n.port === port)!;
		const exited = new Promise((resolve) => node.process.once('exit', resolve));
		node.process.kill('SIGKILL');
		await exited;
		return replica.port;
	}

	/** Waits until the node on `port` is a master and the cluster is ok again. */
	async waitPromoted(port: number, timeoutMs = 30_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const client = direct(port);
			try {
				const role = /^role:(\S+)/m.exec(await client.info('replication'))?.[1];
				const state = /cluster_state:(\S+)/.exec((await client.call('CLUSTER', 'INFO')) as string)?.[1];
				if (role === 'master' && state === 'ok') return;
			} catch {
				// not yet
			} finally {
				client.disconnect();
			}
			if (Date.now() > deadline) throw new Error(`the node on port ${port} was not promoted within ${timeoutMs} ms`);
			await sleep(100);
		}
	}

	/** Every live node reports cluster_state:ok and the same 3 masters; every replica's link is up. */
	private async waitHealthy(timeoutMs = 30_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			if (await this.healthy()) return;
			if (Date.now() > deadline) throw new Error(`the Redis Cluster on ports ${this.nodes.map((n) => n.port).join(', ')} was not ok within ${timeoutMs} ms`);
			await sleep(100);
		}
	}

	private async healthy(): Promise<boolean> {
		for (const node of this.live()) {
			const client = direct(node.port);
			try {
				const info = (await client.call('CLUSTER', 'INFO')) as string;
				if (!/cluster_state:ok/.test(info) || !/cluster_known_nodes:6/.test(info)) return false;
				const replication = await client.info('replication');
				if (/^role:slave/m.test(replication) && !/^master_link_status:up/m.test(replication)) return false;
				if (/^role:master/m.test(replication) && !/^connected_slaves:1/m.test(replication)) return false;
			} catch {
				return false;
			} finally {
				client.disconnect();
			}
		}
		return true;
	}

	/** Deletes a namespace's keys on every live master. */
	async deleteNamespace(namespace: string): Promise<void> {
		for (const role of (await this.roles()).filter((r) => r.master && !r.failed)) {
			const client = direct(role.port);
			try {
				let cursor = '0';
				do {
					const [next, keys] = await client.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
					// one key per call: keys of different slots cannot go in one DEL
					for (const key of keys) await client.del(key);
					cursor = next;
				} while (cursor !== '0');
			} finally {
				client.disconnect();
			}
		}
	}

	private live(): ClusterNode[] {
		return this.nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
	}

	async stop(): Promise<void> {
		await Promise.all(
			this.live().map((node) => {
				const exited = new Promise((resolve) => node.process.once('exit', resolve));
				node.process.kill('SIGKILL');
				return exited;
			}),
		);
		rmSync(this.dir, { recursive: true, force: true });
	}
}

function direct(port: number): Redis {
	const client = new Redis({ host: '127.0.0.1', port, lazyConnect: false, connectTimeout: 1000, commandTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
	client.on('error', () => undefined);
	return client;
}

async function ping(port: number): Promise<boolean> {
	const client = direct(port);
	try {
		return (await client.ping()) === 'PONG';
	} catch {
		return false;
	} finally {
		client.disconnect();
	}
}
