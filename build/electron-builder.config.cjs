// electron-builder configuration (JS rather than YAML so build/electron-builder.test.mjs can check it
// offline). Package with: npx electron-builder --config build/electron-builder.config.cjs [--dir]
// The app is fully bundled by build/bundle.mjs, so the package holds only dist/ and the icons —
// no sources, no tests, no source maps, no node_modules.

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'dev.loopgate.app',
  productName: 'Loopgate',
  copyright: 'Copyright © Loopgate contributors',
  directories: { output: 'release', buildResources: 'build' },
  files: [
    'dist/electron/**',
    'dist/renderer/**',
    'build/icons/**',
    'package.json',
    '!**/*.map',
    '!**/*.ts',
    '!**/*.test.*',
    '!build/icons/generate.mjs',
    // Every dependency is inlined into dist/electron/main.cjs.
    '!**/node_modules/**',
  ],
  extraMetadata: { main: 'dist/electron/main.cjs' },
  asar: true,
  // One name scheme for every installer; the updater refuses a feed whose files are not named like this
  // (electron/updates/feed-checks.ts), so a feed for another app is never installed.
  artifactName: '${productName}-${version}-${arch}.${ext}',
  // Installers and their update feeds (latest.yml, latest-mac.yml, latest-linux.yml) go to the GitHub
  // Release of the tag (.github/workflows/release.yml); electron-updater in the app reads them from there.
  publish: [{ provider: 'github', owner: 'loopgate', repo: 'loopgate', releaseType: 'release' }],
  // Nothing native to rebuild; skipping it also keeps packaging from reaching for Electron headers.
  npmRebuild: false,
  // Electron security checklist #19: no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect as a way in
  // to a process that holds pairing authority; load only the (integrity-checked) asar.
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    onlyLoadAppFromAsar: true,
    enableEmbeddedAsarIntegrityValidation: true,
    grantFileProtocolExtraPrivileges: false,
    enableCookieEncryption: true,
  },
  mac: {
    category: 'public.app-category.developer-tools',
    icon: 'build/icons/icon.png',
    hardenedRuntime: true,
    // A menu-bar utility: no Dock icon, no app switcher entry (main.ts also calls app.dock.hide()).
    extendInfo: { LSUIElement: true },
    target: ['dmg', 'zip'],
  },
  win: {
    icon: 'build/icons/icon.png',
    target: ['nsis'],
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    // Toasts need a Start Menu shortcut carrying the AppUserModelID (= appId, as set in main.ts).
    createStartMenuShortcut: true,
    shortcutName: 'Loopgate',
  },
  linux: {
    icon: 'build/icons/icon.png',
    target: ['AppImage', 'deb'],
    category: 'Development',
    maintainer: 'Loopgate contributors <maintainers@loopgate.dev>',
    synopsis: 'Loopback gateway and pairing tray for local AI agents',
    description: 'Tray app and loopback gateway that is the trust anchor for AI agents on your machine (OpenClaw Gateway protocol 3 and 4).',
  },
};
