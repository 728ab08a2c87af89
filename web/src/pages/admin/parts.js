// parts.js — the small components the admin pages share, imported from this
// one module so that they travel in one chunk: one more file name in the
// entry's preload map instead of seven, which kept the first page's JS from
// growing (node tests/e2e/measure.mjs).
export { default as PageHead } from './PageHead.vue'
export { default as ListMore } from './ListMore.vue'
export { default as ListCard } from './ListCard.vue'
export { default as RecordDialog } from './RecordDialog.vue'
export { default as LabelItems } from './LabelItems.vue'
export { default as RowEditDelete } from './RowEditDelete.vue'
export { default as RowEditHistory } from './RowEditHistory.vue'
