import { Type } from '@sinclair/typebox';
import { ValidationError } from '../../errors/app-errors.js';
import { collection } from '../../http/common-schemas.js';
import { EnvironmentSchema } from '../environments/environment-model.js';
import { type Project, ProjectSchema } from './project-model.js';

/**
 * How LaunchDarkly reads a project (GET /projects, GET /projects/{key}): without its
 * environments, unless `expand=environments` asks for them, and then as a page
 * (`{items, totalCount, _links}`). Creating or patching one answers them as an array (ProjectRep).
 */
export const projectExpansions = ['environments'] as const;

const { environments: _array, ...projectFields } = ProjectSchema.properties;

export const ProjectReadSchema = Type.Object(
  { ...projectFields, environments: Type.Optional(collection(EnvironmentSchema)) },
  {},
);

export const ProjectExpandQuery = Type.Optional(
  Type.String({ description: `Comma-separated: ${projectExpansions.join(', ')}` }),
);

/** The fields `expand` names; an unknown one is a 400 rather than silently nothing. */
export function parseProjectExpand(expand: string | undefined): Set<string> {
  const fields = new Set(
    (expand ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== ''),
  );
  for (const field of fields) {
    if (!(projectExpansions as readonly string[]).includes(field)) {
      throw ValidationError.at(
        '/expand',
        `cannot expand "${field}"; supported: ${projectExpansions.join(', ')}`,
      );
    }
  }
  return fields;
}

export function projectAsRead(project: Project, expand: ReadonlySet<string>) {
  const { environments, ...rest } = project;
  if (!expand.has('environments')) return rest;
  return {
    ...rest,
    environments: {
      items: environments,
      totalCount: environments.length,
      _links: {
        self: { href: `/api/v2/projects/${project.key}/environments`, type: 'application/json' },
      },
    },
  };
}
