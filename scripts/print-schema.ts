import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { printApiSchema, SCHEMA_FILE } from '../apps/api/src/schema-printer';

/** `npm run schema`: regenerates the committed `apps/api/schema.gql`. */
void printApiSchema().then((sdl) => {
  writeFileSync(SCHEMA_FILE, sdl);
  console.log(`wrote ${SCHEMA_FILE}`);
});
