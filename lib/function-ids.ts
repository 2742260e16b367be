// PROVISIONAL (replaced by the i18-routes branch).
import type { FunctionName } from '../lambdas/registry.js';
export function functionConstructId(name: FunctionName): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
