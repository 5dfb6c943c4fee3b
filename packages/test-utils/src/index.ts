/** Private test helpers shared by the packages' tests (one owner instead of a copy per package). */
export { runReadmeExample, type ReadmeRun } from './readme-example';
