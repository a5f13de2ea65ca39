// The ECI annotations for both programs in one import: their names
// (annotation-names.ts) and the admission check of their values (annotation-values.ts).
export * from './annotation-names.ts';
export { checkEciAnnotations, ECI_ANNOTATIONS } from './annotation-values.ts';
