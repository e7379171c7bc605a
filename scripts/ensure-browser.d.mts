// Types for the part of scripts/ensure-browser.mjs the Playwright config uses.
export declare const NOT_FOUND_MESSAGE: string;
export declare function findPlaywrightBrowser(): string | undefined;
export declare function findSystemBrowser(options?: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv; candidates?: string[] }): string | undefined;
