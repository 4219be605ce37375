import { AerostackProvider } from '@aerostack/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { client } from './client.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AerostackProvider client={client}>
      <App />
    </AerostackProvider>
  </StrictMode>,
);
