import { request } from "node:https";

/** A raw HTTPS GET (no SDK), for status codes and headers the SDK hides. */
export function rawGet(
  url: string,
  options: { ca?: string; token?: string | null } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        ...(options.ca ? { ca: options.ca } : {}),
        headers: options.token === null ? {} : { authorization: `Bearer ${options.token ?? "test-token"}` },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("error", reject);
        res.on("aborted", () => reject(new Error("aborted")));
        res.on("end", () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: text ? JSON.parse(text) : undefined,
            });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}
