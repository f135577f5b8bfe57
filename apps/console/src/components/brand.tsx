/** The logo and name of the console, over a dark background: small in the menu, large on the sign-in page. */
export function Brand({ subtitle, large = false }: { subtitle: string; large?: boolean }) {
  return (
    <div className={`flex items-center text-white ${large ? 'mb-6 justify-center gap-3' : 'gap-2.5 px-5 py-5'}`}>
      <img src="./favicon.svg" alt="" className={large ? 'h-10 w-10' : 'h-8 w-8'} />
      <div>
        <div className={`${large ? 'text-lg' : 'text-sm'} font-semibold`}>GPU Pool</div>
        <div className="text-xs text-slate-400">{subtitle}</div>
      </div>
    </div>
  );
}
