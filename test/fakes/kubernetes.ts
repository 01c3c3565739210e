// Kept under demo/ so `npm start` can serve it; the tests import it from here as before.
export * from '../../demo/fakes/kubernetes.js';
