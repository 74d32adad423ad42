/** Absolute path of a template in templates/ (read only through the core's one render function, via file.template). */
import { fileURLToPath } from 'node:url';

export function templatePath(name: string): string {
  return fileURLToPath(new URL(`../templates/${name}`, import.meta.url));
}
