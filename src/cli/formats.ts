// The output formats of the commands (kept apart so that defining commands loads nothing else).

export const RESULT_FORMATS = ['table', 'json', 'csv', 'tsv', 'turtle', 'nquads'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

export const EXPORT_FORMATS = ['nquads', 'trig', 'turtle', 'jsonl'] as const;
