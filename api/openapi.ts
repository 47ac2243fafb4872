// The OpenAPI 3.1 document, generated from the route table (schemas via zod's JSON Schema output).
import { z } from 'zod';
import type { RegisteredRoute } from './route';

const ERROR = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
    },
  },
};

const jsonSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });

export function buildOpenApi(routes: RegisteredRoute[], version: string): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const name of r.path.match(/:(\w+)/g) ?? []) {
      parameters.push({ name: name.slice(1), in: 'path', required: true, schema: { type: 'string' } });
    }
    if (r.query) {
      const qs = jsonSchema(r.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(qs.properties ?? {})) {
        parameters.push({ name, in: 'query', required: qs.required?.includes(name) ?? false, schema });
      }
    }
    const produces = r.produces ?? ['application/json'];
    (paths[path] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.permission
        ? { security: [{ apiKey: [] }], description: `Requires the \`${r.permission}\` permission.` }
        : { security: [] }),
      parameters,
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } } }
        : {}),
      responses: {
        [String(r.status)]: {
          description: 'Success',
          content: Object.fromEntries(produces.map((p) => [p, {}])),
        },
        ...(r.body || r.query
          ? { 400: errorResponse('The input is invalid; `field` names the problem') }
          : {}),
        ...(r.permission
          ? { 401: errorResponse('No valid API key'), 403: errorResponse('The role may not do this') }
          : {}),
        ...(r.path.includes(':') ? { 404: errorResponse('Not found') } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'OpenCIS API',
      version,
      description: 'Customer Information System for municipal water, electric and gas utilities.',
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An OpenCIS API key' } },
      schemas: { Error: ERROR },
    },
    paths,
  };
}

function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}
