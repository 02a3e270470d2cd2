// The page measured by src/bundle-size.ts: lists users through @org/client-web and shows a person's
// error. Bundled for the browser by esbuild only (not part of the bench's Node build).
import { createUsersWebClient, isUnavailable } from "@org/client-web";

const users = createUsersWebClient({ baseUrl: location.origin });

document.querySelector("button")?.addEventListener("click", async () => {
  try {
    const { users: page } = await users.listUsers({ pageSize: 20, pageToken: "" });
    document.body.textContent = page.map((u) => u.name).join(", ");
  } catch (error) {
    document.body.textContent = isUnavailable(error) ? "The service is unreachable, retrying" : String(error);
  }
});
