// Names of the iptables binaries for a backend and an address family, and of our own chains. Debian's iptables
// package ships both backends side by side (iptables-nft, iptables-legacy, and their -save/-restore): the one the
// host uses must be the one we write to, so every command names its backend explicitly.

export type Backend = 'nft' | 'legacy';
export type Family = 4 | 6;

export const BACKENDS: readonly Backend[] = ['nft', 'legacy'];
export const FAMILIES: readonly Family[] = [4, 6];

/** Our chains and the built-in chain that jumps to each (iptables/rules.v4 and rules.v6 create them). */
export const CHAINS = [
  { parent: 'INPUT', chain: 'SYNBAIT-INPUT' },
  { parent: 'OUTPUT', chain: 'SYNBAIT-OUTPUT' },
] as const;
export const INPUT_CHAIN = CHAINS[0].chain;
/** Every name of ours starts with this: a ruleset without it holds nothing of synbait. */
export const CHAIN_PREFIX = 'SYNBAIT-';

export type Tool = 'main' | 'save' | 'restore';

/** `iptables-nft`, `ip6tables-legacy-save`, `iptables-nft-restore`... */
export function toolName(backend: Backend, family: Family, tool: Tool = 'main'): string {
  const base = family === 4 ? 'iptables' : 'ip6tables';
  return tool === 'main' ? `${base}-${backend}` : `${base}-${backend}-${tool}`;
}
