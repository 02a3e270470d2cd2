// UpdateUser's field mask: which paths exist, what an empty mask means, and how a mask merges the
// request's user into the stored one.
import { Role, type User, type User_Address } from "@org/api/org/users/v1";
import type { FieldViolation } from "./errors.js";
import type { UserFields } from "./store/users-repository.js";

/** Every path UpdateUser accepts, in proto (snake_case) spelling. `*` means all top-level ones. */
export const updatablePaths = [
  "name",
  "email",
  "role",
  "address",
  "address.street",
  "address.city",
  "address.postal_code",
  "address.country_code",
  "tags",
  "labels",
  "login_count",
] as const;

export type UpdatablePath = (typeof updatablePaths)[number];

const topLevelPaths: readonly UpdatablePath[] = ["name", "email", "role", "address", "tags", "labels", "login_count"];
const outputOnlyPaths = new Set(["id", "create_time", "update_time", "etag"]);

function isUpdatable(path: string): path is UpdatablePath {
  return (updatablePaths as readonly string[]).includes(path);
}

/**
 * The paths an empty mask stands for: every updatable field that `user` sets to a non-default
 * value. An empty mask therefore cannot clear a field; name the path in the mask to clear it.
 */
export function pathsGiven(user: User): UpdatablePath[] {
  const paths: UpdatablePath[] = [];
  if (user.name !== "") paths.push("name");
  if (user.email !== "") paths.push("email");
  if (user.role !== Role.ROLE_UNSPECIFIED) paths.push("role");
  if (user.address !== undefined) paths.push("address");
  if (user.tags.length > 0) paths.push("tags");
  if (Object.keys(user.labels).length > 0) paths.push("labels");
  if (user.loginCount !== 0n) paths.push("login_count");
  return paths;
}

/** Resolves the request's mask into the paths to apply, or the violations naming each bad path. */
export function resolveMask(mask: readonly string[] | undefined, user: User): { paths: UpdatablePath[]; violations: FieldViolation[] } {
  if (!mask || mask.length === 0) return { paths: pathsGiven(user), violations: [] };
  const paths = new Set<UpdatablePath>();
  const violations: FieldViolation[] = [];
  for (const path of mask) {
    if (path === "*") {
      for (const p of topLevelPaths) paths.add(p);
    } else if (isUpdatable(path)) {
      paths.add(path);
    } else if (outputOnlyPaths.has(path)) {
      violations.push({ field: "update_mask", description: `path ${JSON.stringify(path)} is output only and cannot be updated` });
    } else {
      violations.push({
        field: "update_mask",
        description: `unknown path ${JSON.stringify(path)}; expected one of ${updatablePaths.join(", ")} or *`,
      });
    }
  }
  return { paths: [...paths], violations };
}

const emptyAddress: User_Address = { street: "", city: "", postalCode: "", countryCode: "" };

/** `current` with the masked fields taken from `patch`. */
export function applyMask(current: UserFields, patch: User, paths: readonly UpdatablePath[]): UserFields {
  const next: UserFields = { ...current };
  for (const path of paths) {
    switch (path) {
      case "name":
        next.name = patch.name;
        break;
      case "email":
        next.email = patch.email;
        break;
      case "role":
        next.role = patch.role;
        break;
      case "address":
        next.address = patch.address;
        break;
      case "address.street":
        next.address = { ...(next.address ?? emptyAddress), street: patch.address?.street ?? "" };
        break;
      case "address.city":
        next.address = { ...(next.address ?? emptyAddress), city: patch.address?.city ?? "" };
        break;
      case "address.postal_code":
        next.address = { ...(next.address ?? emptyAddress), postalCode: patch.address?.postalCode ?? "" };
        break;
      case "address.country_code":
        next.address = { ...(next.address ?? emptyAddress), countryCode: patch.address?.countryCode ?? "" };
        break;
      case "tags":
        next.tags = [...patch.tags];
        break;
      case "labels":
        next.labels = { ...patch.labels };
        break;
      case "login_count":
        next.loginCount = patch.loginCount;
        break;
    }
  }
  return next;
}
