// Lua scripts are imported as text: esbuild (build) and vitest (tests) load them with a text loader.
declare module '*.lua' {
	const source: string;
	export default source;
}
