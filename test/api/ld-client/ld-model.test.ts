import { ProjectsApi } from 'launchdarkly-api-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LdClientKit, startLdClientKit } from './ld-client-kit.js';
import { modelProblems, requiredProperties } from './ld-model.js';

/** The checker the official-client suites rely on: it must find what is missing or mistyped. */
describe('the official client model checker', () => {
  it('reads required properties from the generated client', () => {
    expect(requiredProperties('Project')).toEqual(
      expect.arrayContaining(['_links', '_id', 'key', 'includeInSnippetByDefault', 'name', 'tags']),
    );
    expect(requiredProperties('Project')).not.toContain('environments');
  });

  it('reports a missing required property and a mistyped one by JSON pointer', () => {
    const project = { _links: {}, _id: 'p1', key: 'p', includeInSnippetByDefault: 'yes', name: 'P' };
    expect(modelProblems('Project', project)).toEqual([
      '/includeInSnippetByDefault: expected boolean, got string',
      '/tags: required by Project, missing',
    ]);
    expect(modelProblems('Project', { ...project, includeInSnippetByDefault: true, tags: [] })).toEqual([]);
  });

  it('checks nested models, arrays and maps', () => {
    const problems = modelProblems('Projects', { _links: {}, items: [{ _links: { self: { href: 1 } } }] });
    expect(problems).toContain('/items/0/_links/self/href: expected string, got number');
    expect(problems).toContain('/items/0/key: required by Project, missing');
  });
});

describe('the official client against Switchboard', () => {
  let kit: LdClientKit;
  beforeAll(async () => {
    kit = await startLdClientKit();
  });
  afterAll(async () => {
    await kit.close();
  });

  it('creates and reads a project through the official client', async () => {
    const posted = await kit.api(ProjectsApi).postProject({ key: 'shop', name: 'Shop' });
    expect(posted.status).toBe(201);
    const project = await kit.api(ProjectsApi).getProject('shop');
    expect(project.status).toBe(200);
    expect(project.data.key).toBe('shop');
    expect(project.data.name).toBe('Shop');
  });
});
