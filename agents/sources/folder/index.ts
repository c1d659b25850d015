export { FolderSource } from './folder-source.ts';
