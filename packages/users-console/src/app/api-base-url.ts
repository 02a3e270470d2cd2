// Where the page sends its calls: the `users-api-base-url` meta tag when the server filled it in
// (the page is served away from the API), else the page's own origin.
export function apiBaseUrl(doc: Document = document): string {
  const value = doc.querySelector<HTMLMetaElement>('meta[name="users-api-base-url"]')?.content.trim();
  return value ? value : doc.location.origin;
}
