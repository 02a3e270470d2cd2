// What the user form edits, and the UpdateUser field mask of what an edit changed. Pure functions
// (tested in Node): the form only knows strings, the API knows a User.
import type { User } from "@org/api/org/users/v1";

/** The editable fields, as the form holds them. */
export interface UserValues {
  name: string;
  email: string;
  role: number;
  /** Comma-separated, as typed. */
  tags: string;
}

export function valuesOf(user: User): UserValues {
  return { name: user.name, email: user.email, role: user.role, tags: user.tags.join(", ") };
}

export function parseTags(text: string): string[] {
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag !== "");
}

/** The UpdateUser mask paths (proto field names) of the fields `values` changes in `user`. */
export function changedPaths(user: User, values: UserValues): string[] {
  const paths: string[] = [];
  if (values.name !== user.name) paths.push("name");
  if (values.email !== user.email) paths.push("email");
  if (values.role !== user.role) paths.push("role");
  const tags = parseTags(values.tags);
  if (tags.length !== user.tags.length || tags.some((tag, i) => tag !== user.tags[i])) paths.push("tags");
  return paths;
}

/** The form field a `BadRequest` violation is about (`user.email` → `email`, `user.tags[2]` → `tags`). */
export function formFieldOf(violationField: string): keyof UserValues | undefined {
  const match = /^user\.(name|email|role|tags)(?:$|\[)/.exec(violationField);
  return match ? (match[1] as keyof UserValues) : undefined;
}
