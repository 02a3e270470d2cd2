// Request validation. Every check returns violations instead of throwing, so a request with several
// bad fields is answered with all of them at once (one BadRequest).
import { Role, type User, type User_Address, type UserFilter } from "@org/api/org/users/v1";
import type { FieldViolation } from "./errors.js";
import type { UserFields } from "./store/users-repository.js";

export const limits = {
  nameMaxChars: 200,
  emailMaxChars: 254,
  addressFieldMaxChars: 200,
  maxTags: 64,
  tagMaxChars: 64,
  maxLabels: 64,
  labelKeyMaxChars: 63,
  labelValueMaxChars: 256,
  maxPageSize: 1000,
  maxBatchIds: 1000,
  idMaxChars: 128,
  requestIdMaxChars: 128,
  queryMaxChars: 200,
} as const;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const CONTROL = /[\u0000-\u001f\u007f]/;
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
const TAG = /^[\p{L}\p{N}][\p{L}\p{N}._:-]*$/u;
const LABEL_KEY = /^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?$/i;
const COUNTRY = /^[A-Z]{2}$/;
const ID = /^[A-Za-z0-9_-]+$/;

/** Characters as people count them (code points), not UTF-16 units. */
function chars(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export function isKnownRole(role: number): boolean {
  return role === Role.ROLE_VIEWER || role === Role.ROLE_EDITOR || role === Role.ROLE_ADMIN;
}

export function validateName(name: string, field: string): FieldViolation[] {
  if (name.trim() === "") return [{ field, description: "is required" }];
  if (chars(name) > limits.nameMaxChars) {
    return [{ field, description: `must be at most ${limits.nameMaxChars} characters` }];
  }
  if (CONTROL.test(name)) return [{ field, description: "must not contain control characters" }];
  return [];
}

export function validateEmail(email: string, field: string): FieldViolation[] {
  if (email === "") return [{ field, description: "is required" }];
  if (email.length > limits.emailMaxChars || !EMAIL.test(email)) {
    return [{ field, description: "must be a valid email address, e.g. ada@example.com" }];
  }
  return [];
}

export function validateRole(role: number, field: string): FieldViolation[] {
  return isKnownRole(role) ? [] : [{ field, description: "must be one of ROLE_VIEWER, ROLE_EDITOR, ROLE_ADMIN" }];
}

export function validateAddress(address: User_Address | undefined, field: string): FieldViolation[] {
  if (!address) return [];
  const violations: FieldViolation[] = [];
  for (const [key, proto] of [
    ["street", "street"],
    ["city", "city"],
    ["postalCode", "postal_code"],
  ] as const) {
    const value = address[key];
    if (chars(value) > limits.addressFieldMaxChars || CONTROL.test(value)) {
      violations.push({
        field: `${field}.${proto}`,
        description: `must be at most ${limits.addressFieldMaxChars} characters, without control characters`,
      });
    }
  }
  if (address.countryCode !== "" && !COUNTRY.test(address.countryCode)) {
    violations.push({
      field: `${field}.country_code`,
      description: 'must be an ISO 3166-1 alpha-2 code in capitals, e.g. "NL"',
    });
  }
  return violations;
}

export function validateTags(tags: readonly string[], field: string): FieldViolation[] {
  if (tags.length > limits.maxTags) return [{ field, description: `must have at most ${limits.maxTags} tags` }];
  const violations: FieldViolation[] = [];
  const seen = new Set<string>();
  tags.forEach((tag, i) => {
    if (chars(tag) > limits.tagMaxChars || !TAG.test(tag)) {
      violations.push({
        field: `${field}[${i}]`,
        description: `must be 1 to ${limits.tagMaxChars} letters, digits, ".", "_", ":" or "-", starting with a letter or digit`,
      });
    } else if (seen.has(tag)) {
      violations.push({ field: `${field}[${i}]`, description: `duplicates tag ${JSON.stringify(tag)}` });
    }
    seen.add(tag);
  });
  return violations;
}

export function validateLabels(labels: Record<string, string>, field: string): FieldViolation[] {
  const entries = Object.entries(labels);
  if (entries.length > limits.maxLabels) {
    return [{ field, description: `must have at most ${limits.maxLabels} labels` }];
  }
  const violations: FieldViolation[] = [];
  for (const [key, value] of entries) {
    if (key.length > limits.labelKeyMaxChars || !LABEL_KEY.test(key)) {
      violations.push({
        field: `${field}[${JSON.stringify(key)}]`,
        description: `key must be 1 to ${limits.labelKeyMaxChars} ASCII letters, digits, ".", "_", "/" or "-", starting and ending with a letter or digit`,
      });
    }
    if (chars(value) > limits.labelValueMaxChars || CONTROL.test(value)) {
      violations.push({
        field: `${field}[${JSON.stringify(key)}]`,
        description: `value must be at most ${limits.labelValueMaxChars} characters, without control characters`,
      });
    }
  }
  return violations;
}

export function validateLoginCount(loginCount: bigint, field: string): FieldViolation[] {
  return loginCount < 0n ? [{ field, description: "must not be negative" }] : [];
}

/** Every writable field of a user that is about to be stored. */
export function validateUserFields(fields: UserFields, prefix: string): FieldViolation[] {
  return [
    ...validateName(fields.name, `${prefix}.name`),
    ...validateEmail(fields.email, `${prefix}.email`),
    ...validateRole(fields.role, `${prefix}.role`),
    ...validateAddress(fields.address, `${prefix}.address`),
    ...validateTags(fields.tags, `${prefix}.tags`),
    ...validateLabels(fields.labels, `${prefix}.labels`),
    ...validateLoginCount(fields.loginCount, `${prefix}.login_count`),
  ];
}

/**
 * The writable fields of a user in a create request. ROLE_UNSPECIFIED becomes ROLE_VIEWER (the
 * least privilege), so clients may leave the role out; an unknown role number is rejected.
 */
export function fieldsForCreate(user: User): UserFields {
  return {
    name: user.name,
    email: user.email,
    role: user.role === Role.ROLE_UNSPECIFIED ? Role.ROLE_VIEWER : user.role,
    address: user.address,
    tags: user.tags,
    labels: user.labels,
    loginCount: user.loginCount,
  };
}

export function validateId(id: string, field: string): FieldViolation[] {
  if (id === "") return [{ field, description: "is required" }];
  if (id.length > limits.idMaxChars || !ID.test(id)) {
    return [
      {
        field,
        description: `must be 1 to ${limits.idMaxChars} ASCII letters, digits, "_" or "-"`,
      },
    ];
  }
  return [];
}

export function validateRequestId(requestId: string, field: string): FieldViolation[] {
  return requestId.length > limits.requestIdMaxChars || CONTROL.test(requestId)
    ? [{ field, description: `must be at most ${limits.requestIdMaxChars} characters, without control characters` }]
    : [];
}

export function validateFilter(filter: UserFilter | undefined, field: string): FieldViolation[] {
  if (!filter) return [];
  const violations: FieldViolation[] = [];
  if (filter.role !== Role.ROLE_UNSPECIFIED && !isKnownRole(filter.role)) {
    violations.push({
      field: `${field}.role`,
      description: "must be ROLE_UNSPECIFIED (any role) or one of ROLE_VIEWER, ROLE_EDITOR, ROLE_ADMIN",
    });
  }
  if (chars(filter.query) > limits.queryMaxChars) {
    violations.push({ field: `${field}.query`, description: `must be at most ${limits.queryMaxChars} characters` });
  } else if (CONTROL.test(filter.query)) {
    // PostgreSQL text cannot hold NUL: such a query would fail in the store instead of here.
    violations.push({ field: `${field}.query`, description: "must not contain control characters" });
  }
  if (filter.tags.length > limits.maxTags) {
    violations.push({ field: `${field}.tags`, description: `must have at most ${limits.maxTags} tags` });
  }
  // Filter tags are matched literally, whatever they hold, except what the store cannot (NUL).
  filter.tags.forEach((tag, i) => {
    if (CONTROL.test(tag)) violations.push({ field: `${field}.tags[${i}]`, description: "must not contain control characters" });
  });
  return violations;
}

export function validatePageSize(pageSize: number, field: string): FieldViolation[] {
  return pageSize < 0 || pageSize > limits.maxPageSize
    ? [{ field, description: `must be between 0 (server default) and ${limits.maxPageSize}` }]
    : [];
}

export function validateIds(ids: readonly string[], field: string): FieldViolation[] {
  if (ids.length > limits.maxBatchIds) {
    return [{ field, description: `must have at most ${limits.maxBatchIds} ids` }];
  }
  return ids.flatMap((id, i) => validateId(id, `${field}[${i}]`));
}
