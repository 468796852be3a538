# Shared by the Pester suite: the module under test and small facts about real processes.

$script:ModuleManifest = Join-Path $PSScriptRoot '..' 'out' 'MemMap' 'MemMap.psd1'

function Import-MemMapUnderTest {
    <# Imports the built module from out/MemMap, the folder that ships. #>
    if (-not (Test-Path $script:ModuleManifest)) {
        throw "The module is not built: run 'dotnet build' (or ./build.ps1) first."
    }
    Import-Module $script:ModuleManifest -Force -Global
}

function New-PatternFile {
    <# A file of $Length bytes where byte i is i % 251, so every page differs. #>
    param([string] $Path, [int] $Length)
    $bytes = [byte[]]::new($Length)
    for ($i = 0; $i -lt $Length; $i++) { $bytes[$i] = $i % 251 }
    [IO.File]::WriteAllBytes($Path, $bytes)
    $bytes
}

function Get-MapsPermission {
    <# The four permission letters /proc/self/maps shows for the page at $Offset of $Mapping. #>
    param($Mapping, [long] $Offset = 0)
    $address = [uint64]$Mapping.Address.ToInt64() + [uint64]$Offset
    foreach ($line in Get-Content "/proc/$PID/maps") {
        $range, $permissions, $null = $line -split ' ', 3
        $start, $end = $range -split '-' | ForEach-Object { [Convert]::ToUInt64($_, 16) }
        if ($address -ge $start -and $address -lt $end) { return $permissions }
    }
}

function Invoke-ChildPwsh {
    <# Runs a script block in a second, real pwsh process that imports MemMap; returns its output. #>
    param([scriptblock] $ScriptBlock, [object[]] $ArgumentList = @())
    $child = {
        param($Manifest, $Block, $Arguments)
        Import-Module $Manifest
        & ([scriptblock]::Create($Block)) @Arguments
    }
    & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $child -args $script:ModuleManifest, $ScriptBlock.ToString(), $ArgumentList
}

Export-ModuleMember -Function Import-MemMapUnderTest, New-PatternFile, Get-MapsPermission, Invoke-ChildPwsh
