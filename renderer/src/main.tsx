import { createRoot } from 'react-dom/client';
import { StatusScreen } from './screens/status-screen.tsx';

createRoot(document.getElementById('root')!).render(<StatusScreen />);
