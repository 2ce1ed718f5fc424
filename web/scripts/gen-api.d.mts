export const specPath: string;
export const schemaPath: string;
/** generate returns what src/api/schema.ts must contain. */
export function generate(): Promise<string>;
