/** `b2kit authorize`: checks the credentials in the environment and shows what they allow. */
import type { Context } from "../context.js";

export async function authorizeCommand(ctx: Context): Promise<void> {
  const auth = await ctx.b2.authorize();
  const storage = auth.apiInfo.storageApi;
  const view = { accountId: auth.accountId, apiUrl: storage.apiUrl, downloadUrl: storage.downloadUrl, allowed: storage.allowed };
  ctx.out.result(view, () => [
    `account ${auth.accountId}`,
    `api ${storage.apiUrl}`,
    `download ${storage.downloadUrl}`,
    `capabilities ${storage.allowed?.capabilities?.join(",") ?? ""}`,
  ]);
}
