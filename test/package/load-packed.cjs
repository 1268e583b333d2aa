// Runs in a plain Node process, with the extracted tarball as its only code: loads and
// instantiates every node and credential the package.json `n8n` block lists, the way n8n does,
// and reports what was loaded. Bare imports other than Node built-ins and n8n-workflow (which
// n8n provides at run time) are refused, so a runtime dependency left out of the bundle fails.
const Module = require('node:module');
const path = require('node:path');

const [packageDir, n8nWorkflowPath] = process.argv.slice(2);
const builtins = new Set(Module.builtinModules);
const refused = [];
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
	const bare = !request.startsWith('.') && !path.isAbsolute(request);
	// only the package's own files are policed; n8n-workflow's dependencies come with n8n
	const fromPackage = parent && parent.filename && parent.filename.startsWith(packageDir + path.sep);
	if (bare && fromPackage) {
		if (request === 'n8n-workflow') return n8nWorkflowPath;
		if (!builtins.has(request) && !request.startsWith('node:')) {
			refused.push({ request, from: parent && path.relative(packageDir, parent.filename) });
			throw new Error(`runtime dependency "${request}" is not bundled (required from ${parent && parent.filename})`);
		}
	}
	return originalResolve.call(this, request, parent, ...rest);
};

const pkg = require(path.join(packageDir, 'package.json'));
const loaded = { nodes: [], credentials: [], errors: [], refused };
for (const [kind, files] of [['nodes', pkg.n8n.nodes], ['credentials', pkg.n8n.credentials]]) {
	for (const file of files) {
		const className = path.basename(file).replace(/\.(node|credentials)\.js$/, '');
		try {
			const mod = require(path.join(packageDir, file));
			const instance = new mod[className]();
			const name = kind === 'nodes' ? instance.description.name : instance.name;
			const icon = kind === 'nodes' ? instance.description.icon : instance.icon;
			loaded[kind].push({ file, className, name, icon });
		} catch (error) {
			loaded.errors.push({ file, message: String(error && error.stack) });
		}
	}
}
loaded.modules = Object.keys(require.cache)
	.filter((f) => f.startsWith(packageDir + path.sep))
	.map((f) => path.relative(packageDir, f))
	.sort();
process.stdout.write(JSON.stringify(loaded));
