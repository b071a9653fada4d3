import { ref } from 'vue'

/**
 * What a dialog's save needs: `busy` while the backend works (the button spins and cannot be
 * pressed twice), and the backend's message in the user's language when it refuses. `run`
 * answers whether the work went through.
 */
export function useAction() {
  const busy = ref(false)
  const error = ref('')
  async function run(work: () => Promise<void>): Promise<boolean> {
    busy.value = true
    error.value = ''
    try {
      await work()
      return true
    } catch (e) {
      error.value = (e as Error).message
      return false
    } finally {
      busy.value = false
    }
  }
  return { busy, error, run }
}
