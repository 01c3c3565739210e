export { recordingNotifier } from '../../shared/testing/index.js';
