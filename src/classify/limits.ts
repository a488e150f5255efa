// Every bound of the classifier in one place, so docs/rules.md and the benchmark quote the same numbers.

/** Bytes of a record's payload that rules and extractors look at; the rest is ignored. */
export const INSPECT_LIMIT = 8192;

/** Longest regular expression source accepted in a rule. */
export const REGEX_MAX_SOURCE = 512;
/** Largest compiled regex program (instructions), after expanding counted repetitions like {2,40}. */
export const REGEX_MAX_PROGRAM = 4096;
/** Largest n or m in a counted repetition {n,m}. */
export const REGEX_MAX_REPEAT = 256;

/** Longest literal (content/hex/field value) in a rule. */
export const LITERAL_MAX = 1024;
/** Conditions nested deeper than this are rejected (all/any/not). */
export const CONDITION_MAX_DEPTH = 8;

/** Header lines parsed from an HTTP/SIP request; further lines are ignored. */
export const HEADER_MAX_LINES = 100;

/** Per-source detectors: keys (sources or source/destination pairs) remembered per threshold rule (LRU). */
export const DETECTOR_MAX_KEYS = 4096;
/** Largest `count` a threshold rule may ask for (events kept per key). */
export const DETECTOR_MAX_COUNT = 1024;
/** Longest window a threshold rule may ask for, seconds. */
export const DETECTOR_MAX_WINDOW_S = 86400;
